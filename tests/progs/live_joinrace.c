/* A deadlock whose two members start waiting within microseconds of each other, so that their waits'
 * slices end, and their deadlock searches run, at the same moments: main holds state_lock and joins the
 * worker, which is blocked on state_lock.  main starts the join DELAY_US microseconds after the worker
 * says it is about to lock (busy-waiting, to be precise).  Natively it hangs forever.
 *
 *   live_joinrace [DELAY_US]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int go, about_to_lock;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&state_lock);        /* warm up: the next lock takes the same path as main's */
	pthread_mutex_unlock(&state_lock);
	while (!atomic_load(&go))
		;
	atomic_store(&about_to_lock, 1);
	pthread_mutex_lock(&state_lock); /* stuck: main holds it and joins us */
	pthread_mutex_unlock(&state_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	double delay = argc > 1 ? atof(argv[1]) / 1e6 : 0;
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	struct timespec warm = { 0, 20000000 };
	nanosleep(&warm, NULL);
	pthread_mutex_lock(&state_lock);
	atomic_store(&go, 1);
	while (!atomic_load(&about_to_lock))
		;
	for (double t0 = now_s(); now_s() - t0 < delay;)
		;
	pthread_join(th, NULL); /* stuck: joins the worker while holding state_lock */
	printf("live_joinrace: not reached\n");
	return 0;
}
