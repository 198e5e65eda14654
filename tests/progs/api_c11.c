/* C11 <threads.h> mutexes.  Usage: api_c11 MODE
 *   inversion  c11_a_then_b (mtx_a, mtx_b) in one thrd_create thread, c11_b_then_a in a later one
 *   recursive  a mtx_plain|mtx_recursive mutex locked three times, unlocked three times
 *   double     a mtx_plain mutex locked twice by the same thread (hangs natively)
 *   timedlock  mtx_timedlock on a mtx_timed mutex held by another thread times out; no report */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <time.h>

static mtx_t mtx_a, mtx_b, rec_mtx, plain_mtx, timed_mtx, other_mtx;
static atomic_int holder_state; /* 1: holds timed_mtx, 2: asked to let go */
static int moved;

static int c11_a_then_b(void *arg)
{
	(void)arg;
	mtx_lock(&mtx_a); /* hold mtx_a */
	mtx_lock(&mtx_b); /* edge a->b */
	moved++;
	mtx_unlock(&mtx_b);
	mtx_unlock(&mtx_a);
	return 0;
}

static int c11_b_then_a(void *arg)
{
	(void)arg;
	mtx_lock(&mtx_b); /* hold mtx_b */
	mtx_lock(&mtx_a); /* edge b->a */
	moved++;
	mtx_unlock(&mtx_a);
	mtx_unlock(&mtx_b);
	return 0;
}

static void lock_plain_twice(void)
{
	mtx_lock(&plain_mtx); /* double: first */
	printf("api_c11: locking again\n");
	fflush(stdout);
	mtx_lock(&plain_mtx); /* double: second */
	printf("api_c11: not reached\n");
}

static int timed_holder(void *arg)
{
	(void)arg;
	mtx_lock(&timed_mtx);
	atomic_store(&holder_state, 1);
	while (atomic_load(&holder_state) != 2)
		thrd_sleep(&(struct timespec){ 0, 1000000 }, NULL);
	mtx_unlock(&timed_mtx);
	return 0;
}

static int run_timedlock(void)
{
	thrd_t th;
	thrd_create(&th, timed_holder, NULL);
	while (atomic_load(&holder_state) != 1)
		thrd_sleep(&(struct timespec){ 0, 1000000 }, NULL);
	struct timespec ts;
	timespec_get(&ts, TIME_UTC);
	ts.tv_nsec += 100000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	int rc = mtx_timedlock(&timed_mtx, &ts); /* timedlock: times out */
	printf("api_c11: mtx_timedlock returned %s\n", rc == thrd_timedout ? "thrd_timedout" : rc == thrd_success ? "thrd_success" : "other");
	atomic_store(&holder_state, 2);
	thrd_join(th, NULL);
	/* a stale hold of timed_mtx would make this an edge timed_mtx -> other_mtx and a re-lock */
	mtx_lock(&other_mtx);
	rc = mtx_lock(&timed_mtx);
	printf("api_c11: mtx_lock after the holder left returned %s\n", rc == thrd_success ? "thrd_success" : "other");
	mtx_unlock(&timed_mtx);
	mtx_unlock(&other_mtx);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	mtx_init(&mtx_a, mtx_plain);
	mtx_init(&mtx_b, mtx_plain);
	mtx_init(&rec_mtx, mtx_plain | mtx_recursive);
	mtx_init(&plain_mtx, mtx_plain);
	mtx_init(&timed_mtx, mtx_timed);
	mtx_init(&other_mtx, mtx_plain);
	if (strcmp(mode, "inversion") == 0) {
		thrd_t th;
		thrd_create(&th, c11_a_then_b, NULL);
		thrd_join(th, NULL);
		thrd_create(&th, c11_b_then_a, NULL);
		thrd_join(th, NULL);
		printf("api_c11: inversion done moved=%d\n", moved);
		return 0;
	}
	if (strcmp(mode, "recursive") == 0) {
		int r1 = mtx_lock(&rec_mtx);
		int r2 = mtx_lock(&rec_mtx);
		int r3 = mtx_lock(&rec_mtx);
		mtx_unlock(&rec_mtx);
		mtx_unlock(&rec_mtx);
		mtx_unlock(&rec_mtx);
		printf("api_c11: recursive locks %s\n", r1 == thrd_success && r2 == thrd_success && r3 == thrd_success ? "ok" : "failed");
		return 0;
	}
	if (strcmp(mode, "double") == 0) {
		lock_plain_twice();
		return 0;
	}
	if (strcmp(mode, "timedlock") == 0)
		return run_timedlock();
	fprintf(stderr, "api_c11: unknown mode '%s'\n", mode);
	return 2;
}
