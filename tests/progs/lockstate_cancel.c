/* Cancellation of a thread blocked inside a wrapped call: its cleanup handlers' unlocks must count.
 * Usage: lockstate_cancel MODE
 *   join       the victim holds victim_lock and joins a thread that never ends; main cancels it; the
 *              victim's cleanup handler unlocks victim_lock
 *   cond_wait  the victim holds outer_lock and waits on a condition variable with victim_lock; main
 *              cancels it; its cleanup handlers unlock victim_lock (re-taken by the wait) and outer_lock
 *   timedwait  the same with pthread_cond_timedwait (a deadline far away)
 *   pending    main cancels the victim while it spins (no cancellation point); the victim then takes
 *              outer_lock and victim_lock in the order opposite to main's (an inversion, reported) and
 *              reaches pthread_testcancel: locking is not a cancellation point, so it gets there
 *              (coffman's stack captures and reports must not act on the pending cancel)
 * Afterwards main takes both locks, so a lost unlock would also show as a hang. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t victim_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t outer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static sem_t blocked, release_sleeper;
static const char *mode;
static atomic_int go, reached;

static void *victim_pending(void *arg)
{
	(void)arg;
	while (!atomic_load(&go))
		;               /* no cancellation point: the cancel stays pending */
	pthread_mutex_lock(&victim_lock);
	pthread_mutex_lock(&outer_lock); /* pending: victim_lock then outer_lock */
	pthread_mutex_unlock(&outer_lock);
	pthread_mutex_unlock(&victim_lock);
	atomic_store(&reached, 1);
	pthread_testcancel();
	return NULL;
}

static void pending(void)
{
	pthread_t vi;
	pthread_mutex_lock(&outer_lock);
	pthread_mutex_lock(&victim_lock); /* main: outer_lock then victim_lock */
	pthread_mutex_unlock(&victim_lock);
	pthread_mutex_unlock(&outer_lock);
	pthread_create(&vi, NULL, victim_pending, NULL);
	pthread_cancel(vi);
	atomic_store(&go, 1);
	void *res = NULL;
	pthread_join(vi, &res);
	printf("lockstate_cancel: victim %s, %s its cancellation point\n",
	       res == PTHREAD_CANCELED ? "cancelled" : "returned", atomic_load(&reached) ? "at" : "before");
}

static void unlock_in_cleanup(void *m)
{
	pthread_mutex_unlock(m); /* cleanup: unlock */
}

static void *sleeper(void *arg)
{
	(void)arg;
	sem_wait(&release_sleeper);
	return NULL;
}

static void *victim(void *arg)
{
	pthread_t *sleeper_th = arg;
	pthread_mutex_lock(&outer_lock);
	pthread_cleanup_push(unlock_in_cleanup, &outer_lock);
	pthread_mutex_lock(&victim_lock); /* victim: lock */
	pthread_cleanup_push(unlock_in_cleanup, &victim_lock);
	sem_post(&blocked);
	if (strcmp(mode, "join") == 0) {
		pthread_join(*sleeper_th, NULL); /* victim: blocked in join */
	} else if (strcmp(mode, "cond_wait") == 0) {
		for (;;)
			pthread_cond_wait(&never, &victim_lock); /* victim: blocked in cond_wait */
	} else {
		struct timespec far;
		clock_gettime(CLOCK_REALTIME, &far);
		far.tv_sec += 3600;
		for (;;)
			pthread_cond_timedwait(&never, &victim_lock, &far);
	}
	pthread_cleanup_pop(1);
	pthread_cleanup_pop(1);
	return NULL;
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "pending") == 0) {
		pending();
		pthread_mutex_lock(&outer_lock); /* main: both free again */
		pthread_mutex_lock(&victim_lock);
		pthread_mutex_unlock(&victim_lock);
		pthread_mutex_unlock(&outer_lock);
		printf("lockstate_cancel: %s done\n", mode);
		return 0;
	}
	if (strcmp(mode, "join") != 0 && strcmp(mode, "cond_wait") != 0 && strcmp(mode, "timedwait") != 0) {
		fprintf(stderr, "lockstate_cancel: unknown mode '%s'\n", mode);
		return 2;
	}
	sem_init(&blocked, 0, 0);
	sem_init(&release_sleeper, 0, 0);
	pthread_t sl, vi;
	pthread_create(&sl, NULL, sleeper, NULL);
	pthread_create(&vi, NULL, victim, &sl);
	sem_wait(&blocked);
	usleep(200000);         /* let the victim block (a cancel before that also works) */
	pthread_cancel(vi);
	void *res = NULL;
	pthread_join(vi, &res);
	printf("lockstate_cancel: victim %s\n", res == PTHREAD_CANCELED ? "cancelled" : "returned");
	pthread_mutex_lock(&outer_lock); /* main: both free again */
	pthread_mutex_lock(&victim_lock);
	pthread_mutex_unlock(&victim_lock);
	pthread_mutex_unlock(&outer_lock);
	sem_post(&release_sleeper);
	pthread_join(sl, NULL);
	printf("lockstate_cancel: %s done\n", mode);
	return 0;
}
