/* Report tests: a lock-order inversion (AB in one thread, BA in another), without a real deadlock. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int shared;
static int odd_names;   /* "names": give the threads names that need escaping in JSON */

static void take_a_then_b(void)
{
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b); /* LOCK-AB */
	shared++;
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
}

static void take_b_then_a(void)
{
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a); /* LOCK-BA */
	shared++;
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
}

static void *first(void *arg)
{
	(void)arg;
	if (odd_names)
		pthread_setname_np(pthread_self(), "ab-\xc3\xa9");        /* UTF-8 e-acute, kept as is */
	take_a_then_b();
	return NULL;
}

static void *second(void *arg)
{
	(void)arg;
	if (odd_names)
		pthread_setname_np(pthread_self(), "b\"a\\\x01\t\xff");     /* quote, backslash, controls, not UTF-8 */
	take_b_then_a();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	odd_names = argc > 1 && strcmp(argv[1], "names") == 0;
	/* One after the other: the order is inverted but the threads never overlap. */
	pthread_create(&t, NULL, first, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, second, NULL);
	pthread_join(t, NULL);
	printf("shared=%d\n", shared);
	return 0;
}
