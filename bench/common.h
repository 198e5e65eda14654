/* common: what the coffman micro-benchmarks share.
 *
 *   arguments     key=value words (iters=2000000 threads=2 ...); a missing key keeps its default
 *   clock         CLOCK_MONOTONIC in nanoseconds
 *   memory        VmRSS / VmHWM of this process from /proc/self/status, in kB
 *   randomness    xorshift64*, seeded with a fixed value: every run does the same work
 *   output        one line of key=value pairs on stdout, which bench/run parses
 *
 * Header-only so each benchmark is one translation unit (and the -fsanitize=thread variant is the same
 * source compiled again).
 */
#ifndef COFFMAN_BENCH_COMMON_H
#define COFFMAN_BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* MAP_ANONYMOUS, malloc_trim, clock_gettime under -std=c11 */
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHELINE 64

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Integer argument `key` from key=value words in argv, or def.  Accepts k/M suffixes (1M = 1000000). */
static inline long bench_arg(int argc, char **argv, const char *key, long def)
{
	size_t klen = strlen(key);
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], key, klen) != 0 || argv[i][klen] != '=')
			continue;
		char *end;
		errno = 0;
		long v = strtol(argv[i] + klen + 1, &end, 10);
		if (*end == 'k' || *end == 'K') {
			v *= 1000;
			end++;
		} else if (*end == 'M' || *end == 'm') {
			v *= 1000000;
			end++;
		}
		if (errno != 0 || end == argv[i] + klen + 1 || *end != '\0' || v < 0) {
			fprintf(stderr, "%s: bad value in '%s'\n", argv[0], argv[i]);
			exit(2);
		}
		return v;
	}
	return def;
}

/* Refuse words that are not key=value with a known key: a typo must not silently run the default. */
static inline void bench_check_args(int argc, char **argv, const char *const *known)
{
	for (int i = 1; i < argc; i++) {
		int ok = 0;
		for (const char *const *k = known; *k; k++) {
			size_t len = strlen(*k);
			if (strncmp(argv[i], *k, len) == 0 && argv[i][len] == '=')
				ok = 1;
		}
		if (!ok) {
			fprintf(stderr, "%s: unknown argument '%s' (known:", argv[0], argv[i]);
			for (const char *const *k = known; *k; k++)
				fprintf(stderr, " %s=N", *k);
			fprintf(stderr, ")\n");
			exit(2);
		}
	}
}

/* A field of /proc/self/status in kB (VmRSS, VmHWM), or -1. */
static inline long bench_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	size_t flen = strlen(field);
	long kb = -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static inline long bench_rss_kb(void)
{
	return bench_status_kb("VmRSS");
}

static inline long bench_hwm_kb(void)
{
	return bench_status_kb("VmHWM");
}

/* xorshift64*: small, fast, and the same sequence on every run for a given seed. */
struct bench_rng {
	uint64_t s;
};

static inline void bench_rng_seed(struct bench_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t bench_rng_next(struct bench_rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant at these sizes). */
static inline uint64_t bench_rng_below(struct bench_rng *r, uint64_t n)
{
	return bench_rng_next(r) % n;
}

/* Fisher-Yates shuffle of a uint32_t array. */
static inline void bench_shuffle_u32(struct bench_rng *r, uint32_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)bench_rng_below(r, i);
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static inline void *bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		fprintf(stderr, "out of memory (%zu x %zu bytes)\n", n, size);
		exit(1);
	}
	return p;
}

/* A pthread call that must not fail in a benchmark. */
#define BENCH_CHECK(call)                                                                       \
	do {                                                                                    \
		int rc_ = (call);                                                               \
		if (rc_ != 0) {                                                                 \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
			exit(1);                                                                \
		}                                                                               \
	} while (0)

/* Start line for worker threads: the timed section begins once all of them are ready. */
struct bench_start {
	pthread_mutex_t m;
	pthread_cond_t c;
	int waiting, needed, go;
};

static inline void bench_start_init(struct bench_start *s, int needed)
{
	BENCH_CHECK(pthread_mutex_init(&s->m, NULL));
	BENCH_CHECK(pthread_cond_init(&s->c, NULL));
	s->waiting = 0;
	s->needed = needed;
	s->go = 0;
}

/* Called by each worker; returns when the main thread says go. */
static inline void bench_start_wait(struct bench_start *s)
{
	pthread_mutex_lock(&s->m);
	s->waiting++;
	pthread_cond_broadcast(&s->c);
	while (!s->go)
		pthread_cond_wait(&s->c, &s->m);
	pthread_mutex_unlock(&s->m);
}

/* Called by the main thread: waits until every worker is at the line, releases them, returns the time. */
static inline uint64_t bench_start_go(struct bench_start *s)
{
	pthread_mutex_lock(&s->m);
	while (s->waiting < s->needed)
		pthread_cond_wait(&s->c, &s->m);
	s->go = 1;
	uint64_t t0 = bench_now_ns();
	pthread_cond_broadcast(&s->c);
	pthread_mutex_unlock(&s->m);
	return t0;
}

static inline void bench_start_destroy(struct bench_start *s)
{
	pthread_cond_destroy(&s->c);
	pthread_mutex_destroy(&s->m);
}

#endif
