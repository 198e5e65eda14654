/*
 * join_deadlock: a deadlock through pthread_join.  Main locks registry_lock,
 * starts a worker that needs registry_lock to register itself, and then, still
 * holding the lock, joins the worker to wait for it to finish.  The worker
 * waits for main to release the lock; main waits for the worker to end.
 *
 * Seed: seeds/004_d71b1bba2bb438e7.txt (waiting for launched goroutines with a
 * WaitGroup) combined with the Coffman conditions of
 * seeds/001_518e47ce9874e2a8.txt: a join is a wait just like a lock.
 *
 * Expected verdict: deadlock.  The wait-for cycle is main -(join)-> worker
 * -(registry_lock)-> main.  The checker reports it within a second and ends
 * the process with 66; natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards registered */
static int registered;

static void register_worker(void)
{
	pthread_mutex_lock(&registry_lock);
	registered++;
	pthread_mutex_unlock(&registry_lock);
}

static void *worker(void *arg)
{
	(void)arg;
	register_worker();
	return NULL;
}

/* BUG: joins the worker while holding the lock the worker needs. */
static void start_and_wait_for_worker(void)
{
	pthread_t th;
	pthread_mutex_lock(&registry_lock);
	if (pthread_create(&th, NULL, worker, NULL) != 0) {
		perror("pthread_create");
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	pthread_setname_np(th, "worker");
	pthread_join(th, NULL);
	pthread_mutex_unlock(&registry_lock);
}

int main(void)
{
	start_and_wait_for_worker();
	printf("registered=%d\n", registered);
	return 0;
}
