/* Report tests: a mutex unlocked twice by the thread that locked it once. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void bump_and_release_twice(void)
{
	pthread_mutex_lock(&counter_lock);
	counter++;
	pthread_mutex_unlock(&counter_lock);
	pthread_mutex_unlock(&counter_lock); /* UNLOCK-AGAIN */
}

int main(void)
{
	bump_and_release_twice();
	printf("counter=%d\n", counter);
	return 0;
}
