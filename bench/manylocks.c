/* manylocks: graph size and memory.  `locks` mutexes, in `rounds` rounds of
 *
 *     init all                       every one is now a live lock the checker tracks
 *     lock+unlock each alone         (no edge: nothing else is held)          -> live_kb
 *     lock them in pairs 2i, 2i+1    locks/2 edges, every lock a graph node   -> pairs_kb
 *     destroy all, unmap them, malloc_trim(0)                                 -> after_kb
 *
 * The *_kb values are VmRSS minus VmRSS at the start of main, so the constant cost of a preloaded
 * library cancels; bench/run subtracts the native run's values from coffman's and divides by the count
 * to get bytes per lock.  after_kb of the last round against the first is the growth across rounds:
 * with every lock destroyed, nothing should stay behind.
 *
 *   manylocks [locks=1000000] [rounds=3]
 *   prints: locks= rounds= seconds= (per round) live_kb= pairs_kb= after1_kb= after_kb= growth_kb= hwm_kb=
 */
#include "common.h"

#include <malloc.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	static const char *const known[] = { "locks", "rounds", NULL };
	bench_check_args(argc, argv, known);
	long n = bench_arg(argc, argv, "locks", 1000000);
	long rounds = bench_arg(argc, argv, "rounds", 3);
	if (n < 2 || rounds < 1) {
		fprintf(stderr, "manylocks: locks >= 2 and rounds >= 1\n");
		return 2;
	}
	n &= ~1L;                       /* pairs */
	long rss0 = bench_rss_kb();
	long live_kb = 0, pairs_kb = 0, after1_kb = 0, after_kb = 0;
	size_t bytes = (size_t)n * sizeof(pthread_mutex_t);
	uint64_t t0 = bench_now_ns();

	for (long r = 0; r < rounds; r++) {
		pthread_mutex_t *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (long i = 0; i < n; i++)
			BENCH_CHECK(pthread_mutex_init(&m[i], NULL));
		for (long i = 0; i < n; i++) {
			pthread_mutex_lock(&m[i]);
			pthread_mutex_unlock(&m[i]);
		}
		long live = bench_rss_kb() - rss0;
		for (long i = 0; i < n; i += 2) {
			pthread_mutex_lock(&m[i]);
			pthread_mutex_lock(&m[i + 1]);
			pthread_mutex_unlock(&m[i + 1]);
			pthread_mutex_unlock(&m[i]);
		}
		long pairs = bench_rss_kb() - rss0;
		for (long i = 0; i < n; i++)
			BENCH_CHECK(pthread_mutex_destroy(&m[i]));
		munmap(m, bytes);
		malloc_trim(0);
		long after = bench_rss_kb() - rss0;
		if (r == 0) {
			live_kb = live;
			pairs_kb = pairs;
			after1_kb = after;
		}
		after_kb = after;
	}
	uint64_t t1 = bench_now_ns();
	printf("locks=%ld rounds=%ld seconds=%.6f live_kb=%ld pairs_kb=%ld after1_kb=%ld after_kb=%ld "
	       "growth_kb=%ld hwm_kb=%ld\n",
	       n, rounds, (double)(t1 - t0) / 1e9 / (double)rounds, live_kb, pairs_kb, after1_kb, after_kb,
	       after_kb - after1_kb, bench_hwm_kb());
	return 0;
}
