/* Trylock and lock order.  Threads run one after another (joined), so nothing ever blocks for real.
 * Usage: trylock MODE
 *   safe   T2: lock a, trylock b (succeeds);  T3: lock b, lock a.  A trylock makes no edge into b,
 *          so there is no cycle.
 *   chain  T2: lock a, trylock b, lock c;  T3: lock c, lock a.  The edge a->c (made past the
 *          trylocked b) closes the cycle a->c->a.
 *   chain_warm  the same, T2 first taking and releasing another lock 4096 times: its first holds
 *          record their stacks on the slow path, and after them it takes the lock fast paths —
 *          the trylock's own, and the lock of c past the trylocked b.
 *   rw_chain_warm  as chain_warm with b an rwlock taken by pthread_rwlock_trywrlock (its fast path).
 *   run_warm  T2, past its warm-up: lock a, trylock b, lock c, 1000 times (the edges into c known
 *          after the first: the later ones are only pushed), and the last time, holding c, lock d;
 *          T3: lock d, lock c.  The cycle c->d->c, with c's acquisition where the loop took it. */
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

/* Spend the thread's stack-recording warm-up, so that what follows takes the fast paths. */
static void warm_up(void)
{
	static pthread_mutex_t warm = PTHREAD_MUTEX_INITIALIZER;
	for (int i = 0; i < 4096; i++) {
		pthread_mutex_lock(&warm);
		pthread_mutex_unlock(&warm);
	}
}

static void *warm_a_trylock_b_lock_c(void *arg)
{
	(void)arg;
	warm_up();
	pthread_mutex_lock(&lock_a); /* warm: hold a */
	trylock_rc = pthread_mutex_trylock(&lock_b); /* warm: trylock b */
	pthread_mutex_lock(&lock_c); /* warm: edge a->c */
	pthread_mutex_unlock(&lock_c);
	if (trylock_rc == 0)
		pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static pthread_rwlock_t rw_b = PTHREAD_RWLOCK_INITIALIZER;

static void *warm_a_trywrlock_b_lock_c(void *arg)
{
	(void)arg;
	warm_up();
	pthread_mutex_lock(&lock_a); /* rw: hold a */
	trylock_rc = pthread_rwlock_trywrlock(&rw_b);
	pthread_mutex_lock(&lock_c); /* rw: edge a->c */
	pthread_mutex_unlock(&lock_c);
	if (trylock_rc == 0)
		pthread_rwlock_unlock(&rw_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void *warm_run_then_d(void *arg)
{
	(void)arg;
	warm_up();
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&lock_a);
		trylock_rc = pthread_mutex_trylock(&lock_b);
		pthread_mutex_lock(&lock_c); /* run: hold c */
		if (i == 999) {
			pthread_mutex_lock(&lock_d); /* run: edge c->d */
			pthread_mutex_unlock(&lock_d);
		}
		pthread_mutex_unlock(&lock_c);
		if (trylock_rc == 0)
			pthread_mutex_unlock(&lock_b);
		pthread_mutex_unlock(&lock_a);
	}
	return NULL;
}

static void *d_then_c(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_d);
	pthread_mutex_lock(&lock_c); /* run: edge d->c */
	pthread_mutex_unlock(&lock_c);
	pthread_mutex_unlock(&lock_d);
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
	} else if (strcmp(mode, "chain_warm") == 0) {
		run_one(warm_a_trylock_b_lock_c);
		run_one(c_then_a);
	} else if (strcmp(mode, "rw_chain_warm") == 0) {
		run_one(warm_a_trywrlock_b_lock_c);
		run_one(c_then_a);
	} else if (strcmp(mode, "run_warm") == 0) {
		run_one(warm_run_then_d);
		run_one(d_then_c);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("trylock %s: trylock returned %d\n", mode, trylock_rc);
	return 0;
}
