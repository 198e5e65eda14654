/*
 * three_lock_cycle: three threads, three locks, each thread nests two of
 * them: thread 1 takes x then y, thread 2 y then z, thread 3 z then x.  No
 * two threads ever take the same pair, so no pair of threads disagrees on an
 * order, yet together the orders form the cycle x -> y -> z -> x.  The threads
 * run one after another, so this run completes.
 *
 * Seed: generalises the two-lock printSum deadlock of
 * seeds/001_518e47ce9874e2a8.txt ("circular wait", the fourth Coffman
 * condition) to a cycle of three.
 *
 * Expected verdict: lock-order-inversion, for the three-lock cycle
 * x_lock -> y_lock -> z_lock -> x_lock closed by thread 3's edge.  Run
 * concurrently, each thread could hold its first lock and wait forever for
 * its second.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t x_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t y_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t z_lock = PTHREAD_MUTEX_INITIALIZER;
static int shared_counter;

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer);
	pthread_mutex_lock(inner);
	shared_counter++;
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

static void *x_then_y(void *arg)
{
	(void)arg;
	nest(&x_lock, &y_lock);
	return NULL;
}

static void *y_then_z(void *arg)
{
	(void)arg;
	nest(&y_lock, &z_lock);
	return NULL;
}

static void *z_then_x(void *arg)
{
	(void)arg;
	nest(&z_lock, &x_lock);
	return NULL;
}

static int run_alone(void *(*fn)(void *), const char *name)
{
	pthread_t th;
	if (pthread_create(&th, NULL, fn, NULL) != 0) {
		perror("pthread_create");
		return -1;
	}
	pthread_setname_np(th, name);
	return pthread_join(th, NULL);
}

int main(void)
{
	/* One after another: never a real deadlock in this run. */
	if (run_alone(x_then_y, "x-then-y") != 0 ||
	    run_alone(y_then_z, "y-then-z") != 0 ||
	    run_alone(z_then_x, "z-then-x") != 0)
		return 1;
	printf("counter=%d\n", shared_counter);
	return 0;
}
