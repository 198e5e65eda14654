/* A clean program that exits with the status given (default 0), after some correct locking.
 * Usage: status [STATUS] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg)
{
	int *n = arg;
	pthread_mutex_lock(&outer);
	pthread_mutex_lock(&inner);
	(*n)++;
	pthread_mutex_unlock(&inner);
	pthread_mutex_unlock(&outer);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = 0;
	pthread_t t;
	pthread_create(&t, NULL, work, &n);
	pthread_join(t, NULL);
	work(&n);
	printf("status: n=%d\n", n);
	return argc > 1 ? atoi(argv[1]) : 0;
}
