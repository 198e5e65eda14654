/* early_return: a worker thread ends on an error path that forgot to unlock.
 *
 * Scenario: the request handler takes stats_lock to count the request, and returns -1 straight away
 * when the request is invalid — with the lock still held.  The worker stops at the first failure and
 * its thread ends.  Nobody can unlock stats_lock now: main, printing the statistics at the end, gives
 * up after a one-second timed lock ("statistics unavailable").  Natively the program just ends a second
 * late; any thread that locked stats_lock without a timeout would wait forever.
 *
 * Expected verdict: exit-holding (coffman reports it and the program continues).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static int handled, rejected;

static int handle(int request)
{
	pthread_mutex_lock(&stats_lock);
	if (request < 0) {
		rejected++;
		return -1;                      /* BUG: returns with stats_lock held */
	}
	handled++;
	pthread_mutex_unlock(&stats_lock);
	return 0;
}

static void *worker(void *arg)
{
	const int *requests = arg;
	for (int i = 0; requests[i] != 0; i++)
		if (handle(requests[i]) < 0)
			return NULL;            /* stop at the first bad request */
	return NULL;
}

int main(void)
{
	static const int requests[] = { 4, 8, -1, 15, 16, 0 };
	pthread_t th;
	pthread_create(&th, NULL, worker, (void *)requests);
	pthread_join(th, NULL);

	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 1;
	if (pthread_mutex_timedlock(&stats_lock, &limit) == ETIMEDOUT) {
		puts("statistics unavailable");
		return 0;
	}
	printf("handled %d, rejected %d\n", handled, rejected);
	pthread_mutex_unlock(&stats_lock);
	return 0;
}
