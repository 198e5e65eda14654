/* Re-locking a mutex the thread already holds.
 * Usage: doublelock MODE
 *   normal      default mutex locked twice: a self-deadlock (the checker ends the process)
 *   recursive   recursive mutex locked twice: fine
 *   errorcheck  error-checking mutex locked twice: the second lock returns EDEADLK, the program goes on * Functions the tests name are noinline, so the reports name them whatever the optimisation level. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t plain_lock = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noinline)) void relock_normal(void)
{
	pthread_mutex_lock(&plain_lock); /* normal: first lock */
	printf("doublelock normal: locking again\n");
	fflush(stdout);
	pthread_mutex_lock(&plain_lock); /* normal: second lock */
	printf("doublelock normal: not reached\n");
}

static __attribute__((noinline)) void relock_recursive(void)
{
	pthread_mutex_t rec_lock;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_lock(&rec_lock); /* recursive: first lock */
	int rc = pthread_mutex_lock(&rec_lock); /* recursive: second lock */
	printf("doublelock recursive: second lock returned %d\n", rc);
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_destroy(&rec_lock);
}

static __attribute__((noinline)) void relock_errorcheck(void)
{
	pthread_mutex_t ec_lock;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&ec_lock, &attr); /* errorcheck: init */
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_lock(&ec_lock); /* errorcheck: first lock */
	int rc = pthread_mutex_lock(&ec_lock); /* errorcheck: second lock */
	printf("doublelock errorcheck: second lock returned %s\n",
	       rc == EDEADLK ? "EDEADLK" : rc == 0 ? "0" : strerror(rc));
	pthread_mutex_unlock(&ec_lock);
	pthread_mutex_destroy(&ec_lock);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "normal";
	if (strcmp(mode, "normal") == 0)
		relock_normal();
	else if (strcmp(mode, "recursive") == 0)
		relock_recursive();
	else if (strcmp(mode, "errorcheck") == 0)
		relock_errorcheck();
	else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("doublelock %s: done\n", mode);
	return 0;
}
