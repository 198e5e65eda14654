/* Every thread blocked, no lock cycle: the worker waits on a condition variable that nobody will ever
 * signal (ready is never set), and main joins the worker.  No other thread exists.  Natively it hangs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void wait_until_ready(void)
{
	pthread_mutex_lock(&state_lock);
	while (!ready)
		pthread_cond_wait(&ready_cond, &state_lock); /* stuck: nobody signals */
	pthread_mutex_unlock(&state_lock);
}

static void *waiter(void *arg)
{
	(void)arg;
	wait_until_ready();
	return NULL;
}

int main(void)
{
	pthread_t th;
	printf("api_condstuck: start\n");
	fflush(stdout);
	pthread_create(&th, NULL, waiter, NULL);
	pthread_join(th, NULL); /* stuck: joins the waiter */
	printf("api_condstuck: not reached\n");
	return 0;
}
