/* Deep nesting: a recursive mutex, an rwlock read lock, and more distinct locks than the checker tracks
 * per thread.  Each mode ends with a check that the checker's picture still matches the real locks.
 *
 *   mutex N      nest_lock (recursive) taken N times (timed, printed), released N-1 times; while still
 *                held once, other_lock is taken inside it; then other_lock -> nest_lock in that order:
 *                a lock-order inversion, and only that, whatever N
 *   rdlock N     read_lock read-locked N times, then unlocked N times: nothing to report
 *   overflow     100 distinct mutexes nested (more than the held stack's 64 entries), a recursive one
 *                nested 1000 deep on top, all released in an order that is not the reverse of taking;
 *                then a plain AB/BA inversion must still be found: one report, exactly
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t nest_lock;
static pthread_mutex_t other_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t read_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t many_locks[100];
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void init_recursive(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

static int deep_mutex(long n)
{
	init_recursive(&nest_lock);
	double t0 = now_s();
	for (long i = 0; i < n; i++)
		if (pthread_mutex_lock(&nest_lock) != 0)
			return 1;
	for (long i = 0; i < n; i++)
		pthread_mutex_unlock(&nest_lock);
	double took = now_s() - t0;
	printf("live_nest: %ld nested locks and unlocks in %.3f s\n", n, took);
	for (long i = 0; i < n; i++)
		pthread_mutex_lock(&nest_lock);
	for (long i = 0; i < n - 1; i++)
		pthread_mutex_unlock(&nest_lock);
	pthread_mutex_lock(&other_lock);        /* nest_lock is still held once: nest_lock -> other_lock */
	pthread_mutex_unlock(&other_lock);
	pthread_mutex_unlock(&nest_lock);
	pthread_mutex_lock(&other_lock);
	pthread_mutex_lock(&nest_lock);         /* other_lock -> nest_lock: the inversion */
	pthread_mutex_unlock(&nest_lock);
	pthread_mutex_unlock(&other_lock);
	return 0;
}

static int deep_rdlock(long n)
{
	for (long i = 0; i < n; i++)
		if (pthread_rwlock_rdlock(&read_lock) != 0)
			return 1;
	for (long i = 0; i < n; i++)
		pthread_rwlock_unlock(&read_lock);
	printf("live_nest: %ld read locks taken and released\n", n);
	return 0;
}

static int overflow(void)
{
	init_recursive(&nest_lock);
	for (int i = 0; i < 100; i++)
		pthread_mutex_init(&many_locks[i], NULL);
	for (int i = 0; i < 100; i++)
		pthread_mutex_lock(&many_locks[i]);
	for (int i = 0; i < 1000; i++)
		pthread_mutex_lock(&nest_lock);
	for (int i = 0; i < 50; i++)            /* the oldest first: tracked ones, then untracked */
		pthread_mutex_unlock(&many_locks[i]);
	for (int i = 0; i < 1000; i++)
		pthread_mutex_unlock(&nest_lock);
	for (int i = 99; i >= 50; i--)
		pthread_mutex_unlock(&many_locks[i]);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);            /* lock_b -> lock_a: the inversion */
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	printf("live_nest: overflow done\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mutex";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	if (strcmp(mode, "mutex") == 0)
		return deep_mutex(n);
	if (strcmp(mode, "rdlock") == 0)
		return deep_rdlock(n);
	if (strcmp(mode, "overflow") == 0)
		return overflow();
	fprintf(stderr, "live_nest: unknown mode %s\n", mode);
	return 2;
}
