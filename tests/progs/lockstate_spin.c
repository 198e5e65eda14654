/* Spinlock state: what coffman says must match the lock word.  Usage: lockstate_spin MODE
 *   destroy_unlocked  lock, unlock, destroy: nothing to report
 *   destroy_locked    destroy while this thread holds it: destroy-locked
 *   destroy_other     destroy while another thread holds it: destroy-locked
 *   unlock_unlocked   unlock a spinlock nobody holds: bad-unlock, "not locked"
 *   foreign_unlock    a worker locks it, main unlocks it (bad-unlock), the worker locks it again (free
 *                     now: no double-lock) and ends holding it only once */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

static pthread_spinlock_t spin_state;
static sem_t locked, unlocked_by_main;

static void *holder(void *arg)
{
	(void)arg;
	pthread_spin_lock(&spin_state); /* worker: first lock */
	sem_post(&locked);
	sem_wait(&unlocked_by_main);
	return NULL;
}

static void *holder_relocks(void *arg)
{
	(void)arg;
	pthread_spin_lock(&spin_state); /* worker: first lock */
	sem_post(&locked);
	sem_wait(&unlocked_by_main);
	pthread_spin_lock(&spin_state); /* worker: lock again after main's unlock */
	printf("lockstate_spin: worker locked it again\n");
	pthread_spin_unlock(&spin_state);
	return NULL;
}

static void with_worker(void *(*fn)(void *), int destroy)
{
	pthread_t th;
	pthread_create(&th, NULL, fn, NULL);
	sem_wait(&locked);
	if (destroy)
		pthread_spin_destroy(&spin_state); /* destroy: held by the worker */
	else
		pthread_spin_unlock(&spin_state); /* main: unlock the worker's spinlock */
	sem_post(&unlocked_by_main);
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sem_init(&locked, 0, 0);
	sem_init(&unlocked_by_main, 0, 0);
	pthread_spin_init(&spin_state, PTHREAD_PROCESS_PRIVATE); /* init spin_state */
	if (strcmp(mode, "destroy_unlocked") == 0) {
		pthread_spin_lock(&spin_state);
		pthread_spin_unlock(&spin_state);
		pthread_spin_destroy(&spin_state); /* destroy: unlocked */
	} else if (strcmp(mode, "destroy_locked") == 0) {
		pthread_spin_lock(&spin_state); /* main: lock before destroy */
		pthread_spin_destroy(&spin_state); /* destroy: held by main */
	} else if (strcmp(mode, "destroy_other") == 0) {
		with_worker(holder, 1);
	} else if (strcmp(mode, "unlock_unlocked") == 0) {
		pthread_spin_unlock(&spin_state); /* unlock: not locked */
	} else if (strcmp(mode, "foreign_unlock") == 0) {
		with_worker(holder_relocks, 0);
	} else {
		fprintf(stderr, "lockstate_spin: unknown mode '%s'\n", mode);
		return 2;
	}
	printf("lockstate_spin: %s done\n", mode);
	return 0;
}
