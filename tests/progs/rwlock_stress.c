/* rwlock_stress: the rwlock fast path (shim/wrap_rwlock.c: glibc's try, then the push — or, busy,
 * straight into the sliced wait) under contention.  Six threads take two rwlocks, a default
 * (reader-preferring) one and a writer-preferring one, alone or both in one global order: blocking
 * read and write locks, tryrdlock/trywrlock, and timed read and write locks with a short timeout.
 * Each rwlock guards a pair of counters that a writer increments together and that a reader must
 * always see equal (readers and writers exclude each other); each writer also counts its increments in
 * a count of its own.  Mutual exclusion among writers holds if each pair adds up to the writers' own
 * counts; every wake-up arrives if the run ends (a lost one leaves a waiter asleep); the rwlocks must
 * end unlocked, as glibc leaves them (no reader, no writer), and take a write lock at once.
 *
 *   rwlock_stress [iterations per thread, default 100000]
 *   prints "rwlock_stress: ok W R" (writes, reads) and exits 0, or says what went wrong and exits 1.
 *
 *   rwlock_stress deadlock
 *   two threads each take the two rwlocks, in opposite orders, 1000 times one after the other (the
 *   inversion is reported once; by then each thread knows its edge and records no more stacks, so
 *   its next acquisitions take the fast path), then together: T1 holds rw[0] for writing and asks
 *   rw[1] for reading, T2 holds rw[1] for writing and asks rw[0] for writing — a real deadlock, which
 *   the fast path's wait must find.  Never prints "deadlock: not found". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NRW 2
#define NTHREAD 6

static pthread_rwlock_t rw[NRW];
static volatile long pair_a[NRW], pair_b[NRW];
static long own_writes[NTHREAD][NRW];
static long own_reads[NTHREAD];
static long iterations;
static volatile int torn;               /* a reader saw a pair half-written */
static pthread_barrier_t start;         /* all threads begin together: contention from the first lock */

static int timed(int i, int write)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000;            /* 20 µs: often times out under contention */
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return write ? pthread_rwlock_timedwrlock(&rw[i], &ts) : pthread_rwlock_timedrdlock(&rw[i], &ts);
}

/* Take rw[i] for reading or writing, in the manner op chooses; 0 if taken. */
static int take(int i, int write, int op)
{
	switch (op) {
	case 0:                         /* a trylock */
		return write ? pthread_rwlock_trywrlock(&rw[i]) : pthread_rwlock_tryrdlock(&rw[i]);
	case 1:                         /* a timed lock */
		return timed(i, write);
	default:                        /* blocking */
		return write ? pthread_rwlock_wrlock(&rw[i]) : pthread_rwlock_rdlock(&rw[i]);
	}
}

static void use(long self, int i, int write)
{
	if (write) {
		pair_a[i]++;
		pair_b[i]++;
		own_writes[self][i]++;
	} else {
		long a = pair_a[i];
		long b = pair_b[i];
		if (a != b)
			torn = 1;
		own_reads[self]++;
	}
}

static void *worker(void *arg)
{
	long self = (long)arg;
	unsigned seed = (unsigned)self * 7919u + 1;
	pthread_barrier_wait(&start);
	for (long n = 0; n < iterations; n++) {
		unsigned r = (unsigned)rand_r(&seed);
		int write0 = r % 10 < 2, write1 = (r / 10) % 10 < 2;
		int op0 = (r / 100) % 8, op1 = (r / 800) % 8;   /* 0 try, 1 timed, else blocking */
		int which = (r / 6400) % 3;                    /* rw[0], rw[1], or both in order */
		int first = which == 1 ? 1 : 0;
		if (take(first, write0, op0) != 0)
			continue;
		use(self, first, write0);
		if (which == 2 && take(1, write1, op1) == 0) {
			use(self, 1, write1);
			pthread_rwlock_unlock(&rw[1]);
		}
		pthread_rwlock_unlock(&rw[first]);
	}
	return NULL;
}

static pthread_barrier_t pair;

static void *deadlock_first(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_rwlock_wrlock(&rw[0]);
		pthread_rwlock_rdlock(&rw[1]);
		pthread_rwlock_unlock(&rw[1]);
		pthread_rwlock_unlock(&rw[0]);
	}
	pthread_barrier_wait(&pair);    /* the other thread's turn */
	pthread_barrier_wait(&pair);
	pthread_rwlock_wrlock(&rw[0]);
	pthread_barrier_wait(&pair);    /* both hold their first */
	pthread_rwlock_rdlock(&rw[1]);  /* deadlock: waits for the second thread */
	return NULL;
}

static void *deadlock_second(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&pair);
	for (int i = 0; i < 1000; i++) {
		pthread_rwlock_wrlock(&rw[1]);
		pthread_rwlock_wrlock(&rw[0]);
		pthread_rwlock_unlock(&rw[0]);
		pthread_rwlock_unlock(&rw[1]);
	}
	pthread_barrier_wait(&pair);
	pthread_rwlock_wrlock(&rw[1]);
	pthread_barrier_wait(&pair);
	pthread_rwlock_wrlock(&rw[0]);  /* deadlock: waits for the first thread */
	return NULL;
}

static int deadlock(void)
{
	pthread_rwlock_init(&rw[0], NULL);
	pthread_rwlock_init(&rw[1], NULL);
	pthread_barrier_init(&pair, NULL, 2);
	pthread_t a, b;
	pthread_create(&a, NULL, deadlock_first, NULL);
	pthread_create(&b, NULL, deadlock_second, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("rwlock_stress: deadlock: not found\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "deadlock") == 0)
		return deadlock();
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlock_init(&rw[0], &attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&rw[1], &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_barrier_init(&start, NULL, NTHREAD);
	pthread_t th[NTHREAD];
	for (long i = 0; i < NTHREAD; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < NTHREAD; i++)
		pthread_join(th[i], NULL);
	if (torn) {
		printf("rwlock_stress: a reader saw a pair half-written (a writer ran beside it)\n");
		return 1;
	}
	long writes = 0, reads = 0;
	for (int i = 0; i < NRW; i++) {
		long own = 0;
		for (int t = 0; t < NTHREAD; t++)
			own += own_writes[t][i];
		if (pair_a[i] != own || pair_b[i] != own) {
			printf("rwlock_stress: rwlock %d: lost updates: the pair says %ld/%ld, the writers made %ld\n", i,
			       pair_a[i], pair_b[i], own);
			return 1;
		}
		writes += own;
		const pthread_rwlock_t *l = &rw[i];
		/* glibc: the reader count above three state bits of __readers, bit 1 a writer's lock */
		if ((l->__data.__readers >> 3) != 0 || (l->__data.__readers & 2) != 0 || l->__data.__cur_writer != 0) {
			printf("rwlock_stress: rwlock %d left readers=%#x cur_writer=%d\n", i, l->__data.__readers,
			       l->__data.__cur_writer);
			return 1;
		}
		if (pthread_rwlock_trywrlock(&rw[i]) != 0) {
			printf("rwlock_stress: rwlock %d cannot be write-locked at the end\n", i);
			return 1;
		}
		pthread_rwlock_unlock(&rw[i]);
	}
	for (int t = 0; t < NTHREAD; t++)
		reads += own_reads[t];
	printf("rwlock_stress: ok %ld %ld\n", writes, reads);
	pthread_barrier_destroy(&start);
	pthread_rwlock_destroy(&rw[1]);
	pthread_rwlock_destroy(&rw[0]);
	return 0;
}
