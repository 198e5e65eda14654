/* The main thread as an event loop (tests/misuse_watchdog_eventloop.sh), as in Chromium's processes:
 * main and two pool workers all wait for their next task in one function, next_task(), each on its own
 * queue; none holds a lock while it waits and nobody joins them yet.  A poster thread sleeps 2.5 s (in
 * nanosleep: running, as far as the checker knows), then posts "quit" to every queue.
 *
 *   watchdog_eventloop loop     main waits for its next task in next_task(), as the workers do
 *   watchdog_eventloop result   main waits in a wait of its own, for a result (the workers as above)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int posted;
};

static struct queue queues[3] = {
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 },
};

static __attribute__((noinline)) void next_task(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (!q->posted)
		pthread_cond_wait(&q->cond, &q->lock);  /* eventloop: waits for the next task */
	pthread_mutex_unlock(&q->lock);
}

static __attribute__((noinline)) void wait_result(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (!q->posted)
		pthread_cond_wait(&q->cond, &q->lock);  /* eventloop: main waits for a result */
	pthread_mutex_unlock(&q->lock);
}

static void post(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->posted = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void *worker(void *arg)
{
	next_task(arg);
	return NULL;
}

static void *poster(void *arg)
{
	(void)arg;
	struct timespec ts = { 2, 500000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	for (int i = 0; i < 3; i++)
		post(&queues[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int loop = argc < 2 || strcmp(argv[1], "result") != 0;
	pthread_t w[2], p;
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, worker, &queues[i + 1]);
	pthread_create(&p, NULL, poster, NULL);
	if (loop)
		next_task(&queues[0]);
	else
		wait_result(&queues[0]);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	pthread_join(p, NULL);
	printf("watchdog_eventloop: %s done\n", loop ? "loop" : "result");
	return 0;
}
