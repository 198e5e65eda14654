/* Trylock and lock order.  Threads run one after another (joined), so nothing ever blocks for real.
 * Usage: trylock MODE
 *   safe   T2: lock a, trylock b (succeeds);  T3: lock b, lock a.  A trylock makes no edge into b,
 *          so there is no cycle.
 *   chain  T2: lock a, trylock b, lock c;  T3: lock c, lock a.  The edge a->c (made past the
 *          trylocked b) closes the cycle a->c->a. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static int trylock_rc = -1;

static void *a_trylock_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a); /* safe: hold a */
	trylock_rc = pthread_mutex_trylock(&lock_b); /* safe: trylock b */
	if (trylock_rc == 0)
		pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_b); /* safe: hold b */
	pthread_mutex_lock(&lock_a); /* safe: edge b->a */
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

static void *a_trylock_b_lock_c(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a); /* chain: hold a */
	trylock_rc = pthread_mutex_trylock(&lock_b); /* chain: trylock b */
	pthread_mutex_lock(&lock_c); /* chain: edge a->c */
	pthread_mutex_unlock(&lock_c);
	if (trylock_rc == 0)
		pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *c_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_c); /* chain: hold c */
	pthread_mutex_lock(&lock_a); /* chain: edge c->a */
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_c);
	return NULL;
}

static void run_one(void *(*fn)(void *))
{
	pthread_t t;
	pthread_create(&t, NULL, fn, NULL);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "safe";
	if (strcmp(mode, "safe") == 0) {
		run_one(a_trylock_b);
		run_one(b_then_a);
	} else if (strcmp(mode, "chain") == 0) {
		run_one(a_trylock_b_lock_c);
		run_one(c_then_a);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("trylock %s: trylock returned %d\n", mode, trylock_rc);
	return 0;
}
