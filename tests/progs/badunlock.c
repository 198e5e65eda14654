/* Unlocking a mutex the thread does not hold.  Threads hand off with semaphores (no other locks).
 * Usage: badunlock MODE
 *   nonowner    T2 (the owner) locks owned_lock; T1 unlocks it
 *   unlocked    T1 unlocks never_locked, which nobody holds
 *   errorcheck  T2 locks an error-checking mutex; T1's unlock fails with EPERM; T2 unlocks it
 *   all         the three above, in that order * Functions the tests name are noinline, so the reports name them whatever the optimisation level. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t owned_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ec_lock;
static sem_t owner_has_it, main_is_done;

static void *owner_thread(void *arg)
{
	pthread_mutex_t *m = arg;
	pthread_mutex_lock(m); /* owner: lock */
	sem_post(&owner_has_it);
	sem_wait(&main_is_done);
	if (m == &ec_lock)
		pthread_mutex_unlock(m); /* owner: unlock */
	return NULL;
}

static __attribute__((noinline)) void unlock_nonowner(void)
{
	pthread_t t;
	pthread_create(&t, NULL, owner_thread, &owned_lock);
	sem_wait(&owner_has_it);
	int rc = pthread_mutex_unlock(&owned_lock); /* nonowner: unlock */
	printf("badunlock nonowner: unlock returned %d\n", rc);
	sem_post(&main_is_done);
	pthread_join(t, NULL);
}

static __attribute__((noinline)) void unlock_unlocked(void)
{
	int rc = pthread_mutex_unlock(&never_locked); /* unlocked: unlock */
	printf("badunlock unlocked: unlock returned %d\n", rc);
}

static __attribute__((noinline)) void unlock_errorcheck(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&ec_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_t t;
	pthread_create(&t, NULL, owner_thread, &ec_lock);
	sem_wait(&owner_has_it);
	int rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock */
	printf("badunlock errorcheck: unlock returned %s\n", rc == EPERM ? "EPERM" : rc == 0 ? "0" : strerror(rc));
	sem_post(&main_is_done);
	pthread_join(t, NULL);
	pthread_mutex_destroy(&ec_lock);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";
	sem_init(&owner_has_it, 0, 0);
	sem_init(&main_is_done, 0, 0);
	int all = strcmp(mode, "all") == 0;
	if (all || strcmp(mode, "nonowner") == 0)
		unlock_nonowner();
	if (all || strcmp(mode, "unlocked") == 0)
		unlock_unlocked();
	if (all || strcmp(mode, "errorcheck") == 0)
		unlock_errorcheck();
	printf("badunlock %s: done\n", mode);
	return 0;
}
