/* ABBA across two threads that never overlap: the first thread is joined before the second starts, so
 * the program never deadlocks, but the lock order is inconsistent (a potential deadlock).
 * Usage: abba [STATUS]  -- exits with STATUS (default 0). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int shared_total;

static void *take_a_then_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a); /* hold a */
	pthread_mutex_lock(&lock_b); /* edge a->b */
	shared_total += 1;
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *take_b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_b); /* hold b */
	pthread_mutex_lock(&lock_a); /* edge b->a */
	shared_total += 10;
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	printf("abba: start\n");
	fflush(stdout);
	pthread_create(&t, NULL, take_a_then_b, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, take_b_then_a, NULL);
	pthread_join(t, NULL);
	printf("abba: total=%d\n", shared_total);
	return argc > 1 ? atoi(argv[1]) : 0;
}
