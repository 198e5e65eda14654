/* Lock-order cycles of 3 and 4 locks across threads that never overlap (each joined before the next).
 * Usage: cycles MODE [ROUNDS]
 *   three   x->y, y->z, z->x in three threads (static locks)
 *   four    ring of 4 heap mutexes from pthread_mutex_init: r0->r1, r1->r2, r2->r3, r3->r0
 *   both    the two cycles above in one run
 *   repeat  the 3-lock cycle ROUNDS times (default 50): still one defect * Functions the tests name are noinline, so the reports name them whatever the optimisation level. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock_x = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_y = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_z = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *ring[4];
static long work;

static __attribute__((noinline)) void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer); /* nest: outer */
	pthread_mutex_lock(inner); /* nest: inner */
	work++;
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

static void *x_then_y(void *arg) { (void)arg; nest(&lock_x, &lock_y); return NULL; }
static void *y_then_z(void *arg) { (void)arg; nest(&lock_y, &lock_z); return NULL; }
static void *z_then_x(void *arg) { (void)arg; nest(&lock_z, &lock_x); return NULL; }

static void *ring_step(void *arg)
{
	int i = (int)(long)arg;
	pthread_mutex_lock(ring[i]); /* ring: hold */
	pthread_mutex_lock(ring[(i + 1) % 4]); /* ring: next */
	work++;
	pthread_mutex_unlock(ring[(i + 1) % 4]);
	pthread_mutex_unlock(ring[i]);
	return NULL;
}

static __attribute__((noinline)) void init_ring(void)
{
	for (int i = 0; i < 4; i++) {
		ring[i] = malloc(sizeof *ring[i]);
		if (!ring[i])
			exit(1);
		pthread_mutex_init(ring[i], NULL); /* ring: init */
	}
}

static void run_one(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, NULL);
}

static void cycle_of_three(void)
{
	run_one(x_then_y, NULL);
	run_one(y_then_z, NULL);
	run_one(z_then_x, NULL);
}

static void cycle_of_four(void)
{
	init_ring();
	for (long i = 0; i < 4; i++)
		run_one(ring_step, (void *)i);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "three";
	if (strcmp(mode, "three") == 0) {
		cycle_of_three();
	} else if (strcmp(mode, "four") == 0) {
		cycle_of_four();
	} else if (strcmp(mode, "both") == 0) {
		cycle_of_three();
		cycle_of_four();
	} else if (strcmp(mode, "repeat") == 0) {
		int rounds = argc > 2 ? atoi(argv[2]) : 50;
		for (int r = 0; r < rounds; r++)
			cycle_of_three();
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("cycles %s: work=%ld\n", mode, work);
	return 0;
}
