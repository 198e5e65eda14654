/* fastpath_stress: the lock fast path's own trylock and release (shim/glibc_mutex.h) under contention.
 * Six threads take pairs of six mutexes (normal, error-checking and adaptive, two of each) in one
 * global order — a blocking lock, a trylock, or a condition wait with a short timeout on the first —
 * and count every increment they make under a lock both in the lock's shared counter and in a count
 * of their own.  Mutual exclusion holds if the shared counters add up to the threads' own counts;
 * every wake-up arrives if the run ends (a lost one would leave a waiter asleep); and the mutexes
 * must be left as glibc leaves an unlocked mutex (lock word, owner and user count all zero).
 *
 *   fastpath_stress [iterations per thread, default 100000]
 *   prints "fastpath_stress: ok N" and exits 0, or says what went wrong and exits 1. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NMUTEX 6
#define NTHREAD 6

static pthread_mutex_t mutex[NMUTEX];
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter[NMUTEX];
static long own_total[NTHREAD];
static long iterations;

/* A condition wait of 10 µs on mutex 0 (held): glibc releases and re-takes it internally. */
static void short_wait(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 10000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&cond, &mutex[0], &ts);
	pthread_cond_signal(&cond);
}

static void *worker(void *arg)
{
	long self = (long)arg;
	unsigned seed = (unsigned)self * 7919u + 1;
	long own = 0;
	for (long i = 0; i < iterations; i++) {
		int a = rand_r(&seed) % NMUTEX;
		int b = (a + 1 + rand_r(&seed) % (NMUTEX - 1)) % NMUTEX;
		if (a > b) {            /* one global order: never a lock-order inversion */
			int x = a;
			a = b;
			b = x;
		}
		int op = rand_r(&seed) % 10;
		pthread_mutex_lock(&mutex[a]);
		counter[a]++;
		own++;
		if (op < 6) {
			pthread_mutex_lock(&mutex[b]);
			counter[b]++;
			own++;
			pthread_mutex_unlock(&mutex[b]);
		} else if (op < 8) {
			if (pthread_mutex_trylock(&mutex[b]) == 0) {
				counter[b]++;
				own++;
				pthread_mutex_unlock(&mutex[b]);
			}
		} else if (op == 8 && a == 0) {
			short_wait();
		}
		pthread_mutex_unlock(&mutex[a]);
	}
	own_total[self] = own;
	return NULL;
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	static const int types[3] = { PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ERRORCHECK, PTHREAD_MUTEX_ADAPTIVE_NP };
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	for (int i = 0; i < NMUTEX; i++) {
		pthread_mutexattr_settype(&attr, types[i % 3]);
		pthread_mutex_init(&mutex[i], &attr);
	}
	pthread_mutexattr_destroy(&attr);
	pthread_t th[NTHREAD];
	for (long i = 0; i < NTHREAD; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < NTHREAD; i++)
		pthread_join(th[i], NULL);
	long shared = 0, own = 0;
	for (int i = 0; i < NMUTEX; i++) {
		shared += counter[i];
		const pthread_mutex_t *m = &mutex[i];
		if (m->__data.__lock || m->__data.__owner || m->__data.__nusers) {
			printf("fastpath_stress: mutex %d left lock=%d owner=%d nusers=%u\n", i, m->__data.__lock,
			       m->__data.__owner, m->__data.__nusers);
			return 1;
		}
	}
	for (int i = 0; i < NTHREAD; i++)
		own += own_total[i];
	if (shared != own) {
		printf("fastpath_stress: lost updates: the counters say %ld, the threads made %ld\n", shared, own);
		return 1;
	}
	printf("fastpath_stress: ok %ld\n", shared);
	return 0;
}
