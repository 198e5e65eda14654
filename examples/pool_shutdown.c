/* pool_shutdown: a worker pool's shutdown destroys the condition variable while a worker still waits.
 *
 * Scenario: each worker waits for jobs on pool->jobs_ready, waking every second to look at the stop
 * flag (a timed wait, "so that shutdown never hangs").  pool_shutdown() sets the flag and then tears
 * the pool down at once — destroying the condition variable — before it joins the workers; it never
 * broadcasts.  A worker is still inside pthread_cond_timedwait on the destroyed condition variable.
 * POSIX leaves that undefined; glibc's pthread_cond_destroy happens to wait until the waiter times out,
 * so natively the program ends normally, and the bug only shows on other systems or as a rare crash.
 *
 * Expected verdict: cond-misuse (coffman reports it and the program continues).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct pool {
	pthread_mutex_t lock;           /* guards njobs */
	pthread_cond_t jobs_ready;
	int njobs;
	atomic_int stop;
	atomic_int idle;                /* workers waiting for a job */
	pthread_t worker;
};

static void *worker_main(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!atomic_load(&p->stop)) {
		if (p->njobs > 0) {
			p->njobs--;
			continue;
		}
		struct timespec tick;
		clock_gettime(CLOCK_REALTIME, &tick);
		tick.tv_sec += 1;
		atomic_store(&p->idle, 1);
		pthread_cond_timedwait(&p->jobs_ready, &p->lock, &tick);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static struct pool *pool_start(void)
{
	struct pool *p = calloc(1, sizeof *p);
	if (!p)
		exit(1);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->jobs_ready, NULL);
	pthread_create(&p->worker, NULL, worker_main, p);
	return p;
}

static void pool_shutdown(struct pool *p)
{
	atomic_store(&p->stop, 1);                      /* BUG: no broadcast, and no join before ... */
	pthread_cond_destroy(&p->jobs_ready);           /* ... the worker's condition variable goes away */
	pthread_join(p->worker, NULL);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int main(void)
{
	struct pool *p = pool_start();
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->idle, 0);                      /* a wait begun before the jobs does not count */
	p->njobs = 3;
	pthread_mutex_unlock(&p->lock);
	pthread_cond_signal(&p->jobs_ready);
	while (!atomic_load(&p->idle)) {                /* let the worker drain the jobs and wait again */
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	pthread_mutex_lock(&p->lock);                   /* it is inside its wait once the lock is free */
	pthread_mutex_unlock(&p->lock);
	pool_shutdown(p);
	puts("pool shut down");
	return 0;
}
