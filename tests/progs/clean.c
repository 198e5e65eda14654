/* A correct multithreaded program: nothing to report.
 *  - 4 threads nest lock_1 -> lock_2 -> lock_3 (and subsets of that order)
 *  - a recursive mutex locked recursively
 *  - a producer/consumer queue with a mutex and two condition variables
 *  - trylock back-off against the opposite order: one thread locks a then b; the other locks b,
 *    trylocks a, and on failure unlocks b and retries
 * Output is deterministic. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define NESTERS 4
#define ROUNDS 2000
#define ITEMS 1000
#define QCAP 8

static pthread_mutex_t lock_1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_3 = PTHREAD_MUTEX_INITIALIZER;
static long nested_count;

static void *nester(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < ROUNDS; i++) {
		switch ((i + id) % 3) {
		case 0:
			pthread_mutex_lock(&lock_1);
			pthread_mutex_lock(&lock_2);
			pthread_mutex_lock(&lock_3);
			nested_count++;
			pthread_mutex_unlock(&lock_3);
			pthread_mutex_unlock(&lock_2);
			pthread_mutex_unlock(&lock_1);
			break;
		case 1:
			pthread_mutex_lock(&lock_1);
			pthread_mutex_lock(&lock_3);
			nested_count++;
			pthread_mutex_unlock(&lock_3);
			pthread_mutex_unlock(&lock_1);
			break;
		default:
			pthread_mutex_lock(&lock_2);
			pthread_mutex_lock(&lock_3);
			nested_count++;
			pthread_mutex_unlock(&lock_3);
			pthread_mutex_unlock(&lock_2);
			break;
		}
	}
	return NULL;
}

static pthread_mutex_t rec_lock;
static long rec_total;

static void rec_add(int depth)
{
	pthread_mutex_lock(&rec_lock);
	rec_total += depth;
	if (depth > 0)
		rec_add(depth - 1);
	pthread_mutex_unlock(&rec_lock);
}

static void *rec_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		rec_add(5);
	return NULL;
}

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static int queue[QCAP];
static int q_head, q_len;

static void *producer(void *arg)
{
	(void)arg;
	for (int v = 1; v <= ITEMS; v++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == QCAP)
			pthread_cond_wait(&q_not_full, &q_lock);
		queue[(q_head + q_len) % QCAP] = v;
		q_len++;
		pthread_cond_signal(&q_not_empty);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	for (int n = 0; n < ITEMS; n++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0)
			pthread_cond_wait(&q_not_empty, &q_lock);
		*sum += queue[q_head];
		q_head = (q_head + 1) % QCAP;
		q_len--;
		pthread_cond_signal(&q_not_full);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static long backoff_count;

static void *a_then_b(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock_a);
		pthread_mutex_lock(&lock_b);
		backoff_count++;
		pthread_mutex_unlock(&lock_b);
		pthread_mutex_unlock(&lock_a);
	}
	return NULL;
}

static void *b_then_try_a(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		for (;;) {
			pthread_mutex_lock(&lock_b);
			if (pthread_mutex_trylock(&lock_a) == 0)
				break;
			pthread_mutex_unlock(&lock_b);  /* back off */
			sched_yield();
		}
		backoff_count++;
		pthread_mutex_unlock(&lock_a);
		pthread_mutex_unlock(&lock_b);
	}
	return NULL;
}

int main(void)
{
	pthread_t nesters[NESTERS], rec[2], prod, cons, ab, ba;
	long sum = 0;

	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec_lock, &attr);
	pthread_mutexattr_destroy(&attr);

	for (long i = 0; i < NESTERS; i++)
		pthread_create(&nesters[i], NULL, nester, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_create(&rec[i], NULL, rec_worker, NULL);
	pthread_create(&prod, NULL, producer, NULL);
	pthread_create(&cons, NULL, consumer, &sum);
	pthread_create(&ab, NULL, a_then_b, NULL);
	pthread_create(&ba, NULL, b_then_try_a, NULL);

	for (int i = 0; i < NESTERS; i++)
		pthread_join(nesters[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(rec[i], NULL);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	pthread_join(ab, NULL);
	pthread_join(ba, NULL);
	pthread_mutex_destroy(&rec_lock);

	printf("clean: nested=%ld recursive=%ld queue_sum=%ld backoff=%ld\n", nested_count, rec_total, sum,
	       backoff_count);
	return 0;
}
