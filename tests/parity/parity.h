/* Shared by the peer-parity programs (the .c files beside this one): each program holds the cases ported from one
 * public suite, written afresh with the suite's lock patterns; argv[1] names the case to run, and
 * tests/parity/verdicts says what each case must produce.  Helpers here keep the cases short. */
#ifndef PARITY_H
#define PARITY_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct parity_case {
	const char *name;
	void (*run)(void);
};

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, arg) != 0) {
		perror("pthread_create");
		exit(2);
	}
	return t;
}

/* Run fn in a thread of its own and wait for it: the patterns that need "another thread did this
 * first" without any timing. */
static inline void in_thread(void *(*fn)(void *), void *arg)
{
	pthread_join(spawn(fn, arg), NULL);
}

/* A mutex of the given type (PTHREAD_MUTEX_NORMAL, _ERRORCHECK, _RECURSIVE). */
static inline void init_typed(pthread_mutex_t *m, int type)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, type);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

static inline struct timespec ms_from_now(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* main(): run the case argv[1] names; "list" prints the names. */
static inline int parity_main(const char *prog, const struct parity_case *cases, size_t n, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	for (size_t i = 0; argc == 2 && i < n; i++)
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].run();
			printf("%s: %s done\n", prog, cases[i].name);
			return 0;
		}
	fprintf(stderr, "usage: %s CASE|list\n", prog);
	return 2;
}

#define PARITY_MAIN(prog, cases) \
	int main(int argc, char **argv) { return parity_main(prog, cases, sizeof cases / sizeof cases[0], argc, argv); }

#endif
