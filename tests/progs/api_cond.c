/* Condition variables.  Usage: api_cond MODE
 *   prodcons  one producer (pthread_cond_wait while the queue is full), one consumer with
 *             pthread_cond_timedwait and one with pthread_cond_clockwait (short deadlines, so some waits
 *             time out); 3000 items; prints the sum.  Correct: no report.
 *   notheld   pthread_cond_timedwait with a mutex the thread does not hold */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define QSIZE 8
#define ITEMS 3000
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty_mono;
static int queue[QSIZE], q_head, q_len, produced_all;
static long consumed_sum[2];
static int timeouts[2];
static pthread_mutex_t unheld_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lonely_cond = PTHREAD_COND_INITIALIZER;

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&queue_lock);
		while (q_len == QSIZE)
			pthread_cond_wait(&not_full, &queue_lock);
		queue[(q_head + q_len) % QSIZE] = i;
		q_len++;
		pthread_cond_signal(i % 2 ? &not_empty : &not_empty_mono);
		pthread_mutex_unlock(&queue_lock);
	}
	pthread_mutex_lock(&queue_lock);
	produced_all = 1;
	pthread_cond_broadcast(&not_empty);
	pthread_cond_broadcast(&not_empty_mono);
	pthread_mutex_unlock(&queue_lock);
	return NULL;
}

static void *consumer(void *arg)
{
	int which = (int)(long)arg;
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (q_len == 0 && !produced_all) {
			int rc;
			if (which == 0) {
				struct timespec ts = in_ms(CLOCK_REALTIME, 1);
				rc = pthread_cond_timedwait(&not_empty, &queue_lock, &ts);
			} else {
				struct timespec ts = in_ms(CLOCK_MONOTONIC, 1);
				rc = pthread_cond_clockwait(&not_empty_mono, &queue_lock, CLOCK_MONOTONIC, &ts);
			}
			if (rc == ETIMEDOUT)
				timeouts[which]++;
		}
		if (q_len == 0) {
			pthread_mutex_unlock(&queue_lock);
			return NULL;
		}
		int v = queue[q_head];
		q_head = (q_head + 1) % QSIZE;
		q_len--;
		consumed_sum[which] += v;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&queue_lock);
	}
}

static int run_prodcons(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&not_empty_mono, &ca);
	pthread_condattr_destroy(&ca);
	pthread_t p, c0, c1;
	pthread_create(&c0, NULL, consumer, (void *)0L);
	pthread_create(&c1, NULL, consumer, (void *)1L);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c0, NULL);
	pthread_join(c1, NULL);
	/* one more wait that certainly times out, from main, then the mutex is used normally */
	pthread_mutex_lock(&queue_lock);
	struct timespec ts = in_ms(CLOCK_REALTIME, 20);
	int rc = pthread_cond_timedwait(&not_empty, &queue_lock, &ts);
	pthread_mutex_unlock(&queue_lock);
	printf("api_cond: final timedwait %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
	printf("api_cond: sum=%ld\n", consumed_sum[0] + consumed_sum[1]);
	return 0;
}

static void wait_without_mutex(void)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	int rc = pthread_cond_timedwait(&lonely_cond, &unheld_mutex, &ts); /* wait: mutex not held */
	printf("api_cond: timedwait without the mutex returned %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "prodcons") == 0)
		return run_prodcons();
	if (strcmp(mode, "notheld") == 0) {
		wait_without_mutex();
		printf("api_cond: notheld done\n");
		return 0;
	}
	fprintf(stderr, "api_cond: unknown mode '%s'\n", mode);
	return 2;
}
