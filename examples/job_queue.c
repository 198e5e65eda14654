/*
 * job_queue: a job queue whose semaphore counts one job too few.  Jobs wait
 * in a ring buffer guarded by queue_lock; jobs_queued counts them, so the
 * worker sleeps in sem_wait() until there is one.  submit() posts once per
 * job.  submit_batch() queues several jobs under one lock (cheaper) but posts
 * once for the whole batch: the worker takes the first job of the batch and
 * then waits for a post that never comes, while the rest of the batch — the
 * stop request among them — sits in the queue.  Main joins the worker to wait
 * for the stop; a progress thread keeps looking at the queue, so the process
 * is never in the state "all threads blocked".
 *
 * Seed: none (the classic producer/consumer with a counting semaphore; the
 * "one post per item" rule of POSIX semaphores).
 *
 * Expected verdict: hang, with the watchdog on (--watchdog=1).  A semaphore
 * has no owner, so there is no wait-for cycle to find; the worker's wait
 * counts as a hang (not idleness) because main joins it, and after a second
 * the watchdog reports it, naming jobs_queued, and ends the process with 66.
 * Natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#define QUEUE_CAP 16
#define STOP (-1)

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards the ring */
static int ring[QUEUE_CAP];
static int head, count, done;
static sem_t jobs_queued;                                       /* one post per queued job */

static void push_locked(int job)
{
	ring[(head + count) % QUEUE_CAP] = job;
	count++;
}

static void submit(int job)
{
	pthread_mutex_lock(&queue_lock);
	push_locked(job);
	pthread_mutex_unlock(&queue_lock);
	sem_post(&jobs_queued);
}

/* BUG: one post for n jobs; it should post n times. */
static void submit_batch(const int *jobs, int n)
{
	pthread_mutex_lock(&queue_lock);
	for (int i = 0; i < n; i++)
		push_locked(jobs[i]);
	pthread_mutex_unlock(&queue_lock);
	sem_post(&jobs_queued);
}

static int take(void)
{
	while (sem_wait(&jobs_queued) != 0)     /* waits for a post that never comes */
		;
	pthread_mutex_lock(&queue_lock);
	int job = ring[head];
	head = (head + 1) % QUEUE_CAP;
	count--;
	pthread_mutex_unlock(&queue_lock);
	return job;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int job = take();
		if (job == STOP)
			return NULL;
		pthread_mutex_lock(&queue_lock);
		done += job;
		pthread_mutex_unlock(&queue_lock);
	}
}

static void *progress(void *arg)
{
	(void)arg;
	struct timespec tick = { 0, 200000000L };
	for (;;) {
		nanosleep(&tick, NULL);         /* alive, never blocked on a lock, semaphore or join */
		pthread_mutex_lock(&queue_lock);
		int queued = count;
		pthread_mutex_unlock(&queue_lock);
		(void)queued;
	}
	return NULL;
}

int main(void)
{
	sem_init(&jobs_queued, 0, 0);
	pthread_t work, prog;
	if (pthread_create(&work, NULL, worker, NULL) != 0 || pthread_create(&prog, NULL, progress, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(work, "worker");
	pthread_setname_np(prog, "progress");
	submit(1);
	submit(2);
	const int last[] = { 3, 4, STOP };
	submit_batch(last, 3);
	pthread_join(work, NULL);               /* waits for the stop request to be taken */
	printf("done: %d\n", done);
	return 0;
}
