/*
 * unlock_nonowner: a mutex released by a thread that does not own it.  The
 * "owner" thread locks door_lock and tells the "intruder" thread so through a
 * semaphore (not through another mutex).  The intruder then unlocks door_lock
 * itself, as if a lock were a token that could be handed over.  glibc's
 * default mutex does not check ownership, so natively nothing visibly goes
 * wrong: the owner carries on without unlocking, main locks and unlocks the
 * now-free door_lock once more, and the program exits normally.
 *
 * Seed: seeds/002_a9242df96512c44f.txt and seeds/003_37c9db461cc6681c.txt
 * (section 9.2: the lock holder must be the one to release the lock; the
 * binary-semaphore view of a mutex as a token is what tempts this mistake).
 *
 * Expected verdict: bad-unlock.  The intruder unlocks a mutex held by another
 * thread.  The checker reports it and lets the program continue; since a
 * report was made, the process exits with 66.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

static pthread_mutex_t door_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t door_locked;       /* owner -> intruder: "I hold door_lock" */
static sem_t door_released;     /* intruder -> owner: "I unlocked it for you" */
static int visits;

static void lock_the_door(void)
{
	pthread_mutex_lock(&door_lock);
	visits++;
}

/* BUG: this thread never locked door_lock. */
static void open_someone_elses_door(void)
{
	pthread_mutex_unlock(&door_lock);
}

static void *owner(void *arg)
{
	(void)arg;
	lock_the_door();
	sem_post(&door_locked);
	while (sem_wait(&door_released) != 0)
		;
	/* The intruder already released door_lock, so the owner does not. */
	return NULL;
}

static void *intruder(void *arg)
{
	(void)arg;
	while (sem_wait(&door_locked) != 0)
		;
	open_someone_elses_door();
	sem_post(&door_released);
	return NULL;
}

int main(void)
{
	pthread_t o, i;
	sem_init(&door_locked, 0, 0);
	sem_init(&door_released, 0, 0);
	if (pthread_create(&o, NULL, owner, NULL) != 0 || pthread_create(&i, NULL, intruder, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(o, "owner");
	pthread_setname_np(i, "intruder");
	pthread_join(i, NULL);
	pthread_join(o, NULL);

	/* Life goes on: the door is free again. */
	pthread_mutex_lock(&door_lock);
	visits++;
	pthread_mutex_unlock(&door_lock);
	printf("visits=%d\n", visits);
	sem_destroy(&door_locked);
	sem_destroy(&door_released);
	return 0;
}
