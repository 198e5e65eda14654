/* A hold ends when the lock's real state says so, not only at the holder's own unlock.
 * Usage: lockstate_reinit MODE
 *   foreign_reinit  main locks m; a worker unlocks it (a bad-unlock: it is free now); main initialises m
 *                   again and locks it: a first lock, not a double-lock
 *   foreign_relock  the same without the init: main's next lock finds m free and takes it
 *   foreign_trylock the same with a trylock (it succeeds: m is free), an unlock, and a lock
 *   stack_reuse     a function locks a mutex on its stack and returns without unlocking it; a later
 *                   frame initialises a new mutex at the same address and locks it
 *   other_thread    a worker locks `slot` and abandons it; main initialises a new mutex in the same
 *                   storage; the worker then takes `order_lock` (no edge from the dead lock) and
 *                   exits (it holds nothing); main takes order_lock then slot: no inversion */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t slot;
static sem_t step1, step2;

static void *unlock_for_main(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&state_lock); /* worker: unlock main's lock */
	return NULL;
}

static void foreign_unlock(void)
{
	pthread_t th;
	pthread_mutex_lock(&state_lock); /* main: first lock */
	pthread_create(&th, NULL, unlock_for_main, NULL);
	pthread_join(th, NULL);
}

static uintptr_t dead_address, fresh_address;   /* only compared, to check the reuse */

static __attribute__((noinline)) void leave_locked(void)
{
	pthread_mutex_t frame_lock;
	pthread_mutex_init(&frame_lock, NULL);
	pthread_mutex_lock(&frame_lock); /* abandoned: the frame returns with it locked */
	dead_address = (uintptr_t)&frame_lock;
}

static __attribute__((noinline)) void use_fresh(void)
{
	pthread_mutex_t frame_lock;
	pthread_mutex_init(&frame_lock, NULL); /* a new lock in the dead one's storage */
	pthread_mutex_lock(&frame_lock); /* stack reuse: lock the new one */
	pthread_mutex_unlock(&frame_lock);
	pthread_mutex_destroy(&frame_lock);
	fresh_address = (uintptr_t)&frame_lock;
}

static void *abandon_slot(void *arg)
{
	(void)arg;
	pthread_mutex_init(&slot, NULL);
	pthread_mutex_lock(&slot); /* worker: abandoned hold of slot */
	sem_post(&step1);
	sem_wait(&step2);
	pthread_mutex_lock(&order_lock); /* worker: after main re-initialised slot */
	pthread_mutex_unlock(&order_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "foreign_reinit") == 0) {
		foreign_unlock();
		pthread_mutex_init(&state_lock, NULL); /* main: init again */
		pthread_mutex_lock(&state_lock); /* main: lock after the init */
		pthread_mutex_unlock(&state_lock);
	} else if (strcmp(mode, "foreign_relock") == 0) {
		foreign_unlock();
		pthread_mutex_lock(&state_lock); /* main: lock again, free since the worker's unlock */
		pthread_mutex_unlock(&state_lock);
	} else if (strcmp(mode, "foreign_trylock") == 0) {
		foreign_unlock();
		int rc = pthread_mutex_trylock(&state_lock); /* main: trylock, free since the worker's unlock */
		printf("lockstate_reinit: trylock returned %d\n", rc);
		pthread_mutex_unlock(&state_lock);
		pthread_mutex_lock(&state_lock); /* main: lock after the trylock's unlock */
		pthread_mutex_unlock(&state_lock);
	} else if (strcmp(mode, "stack_reuse") == 0) {
		leave_locked();
		use_fresh();
		printf("lockstate_reinit: same address: %s\n", dead_address == fresh_address ? "yes" : "no");
	} else if (strcmp(mode, "other_thread") == 0) {
		pthread_t th;
		sem_init(&step1, 0, 0);
		sem_init(&step2, 0, 0);
		pthread_create(&th, NULL, abandon_slot, NULL);
		sem_wait(&step1);
		pthread_mutex_init(&slot, NULL); /* main: a new lock in slot's storage */
		sem_post(&step2);
		pthread_join(th, NULL);
		pthread_mutex_lock(&order_lock);
		pthread_mutex_lock(&slot); /* main: order_lock then slot */
		pthread_mutex_unlock(&slot);
		pthread_mutex_unlock(&order_lock);
	} else {
		fprintf(stderr, "lockstate_reinit: unknown mode '%s'\n", mode);
		return 2;
	}
	printf("lockstate_reinit: %s done\n", mode);
	return 0;
}
