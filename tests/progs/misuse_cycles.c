/* Lock-order cycles that share edges, cycles repeated over many objects, and cycles whose edges come
 * from one, two or three threads.  Every step that makes edges runs to completion before the next one
 * starts, so nothing here ever deadlocks.
 * Usage: misuse_cycles MODE [N]
 *   shared-edge     A->B, then B->A (a 2-lock cycle), then A->C and C->B: the 3-lock cycle A->C->B->A
 *                   needs the edge B->A of the first one; each step in a thread of its own
 *   one-thread      x->y, y->z, z->x, all in the main thread: a 3-lock cycle from one thread
 *   one-thread-pair x->y, then y->x, in the main thread: a 2-lock cycle from one thread
 *   two-threads     x->y and y->z in the main thread, z->x in a second thread
 *   three-threads   x->y, y->z, z->x in three threads that are all alive together (they take turns)
 *   instances N     N connections, each with its own lock, and one code path that makes the cycle
 *                   bus -> bus_datas -> connection -> bus for each of them, in one thread (default 20)
 * Functions the tests name are noinline, so the reports name them whatever the optimisation level. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_x = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_y = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_z = PTHREAD_MUTEX_INITIALIZER;
static long work;

static __attribute__((noinline)) void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer); /* nest: outer */
	pthread_mutex_lock(inner); /* nest: inner */
	work++;
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

static void run_in_thread(void *(*fn)(void *))
{
	pthread_t t;
	pthread_create(&t, NULL, fn, NULL);
	pthread_join(t, NULL);
}

/* ---- shared-edge */

static __attribute__((noinline)) void *take_a_then_b(void *arg) { (void)arg; nest(&lock_a, &lock_b); return NULL; }
static __attribute__((noinline)) void *take_b_then_a(void *arg) { (void)arg; nest(&lock_b, &lock_a); return NULL; }
static __attribute__((noinline)) void *take_a_then_c(void *arg) { (void)arg; nest(&lock_a, &lock_c); return NULL; }
static __attribute__((noinline)) void *take_c_then_b(void *arg) { (void)arg; nest(&lock_c, &lock_b); return NULL; }

static void shared_edge(void)
{
	run_in_thread(take_a_then_b);
	run_in_thread(take_b_then_a);
	run_in_thread(take_a_then_c);
	run_in_thread(take_c_then_b);
}

/* ---- one, two, three threads */

static __attribute__((noinline)) void *x_then_y(void *arg) { (void)arg; nest(&lock_x, &lock_y); return NULL; }
static __attribute__((noinline)) void *y_then_z(void *arg) { (void)arg; nest(&lock_y, &lock_z); return NULL; }
static __attribute__((noinline)) void *z_then_x(void *arg) { (void)arg; nest(&lock_z, &lock_x); return NULL; }

static void one_thread(void)
{
	x_then_y(NULL);
	y_then_z(NULL);
	z_then_x(NULL);
}

static __attribute__((noinline)) void *y_then_x(void *arg) { (void)arg; nest(&lock_y, &lock_x); return NULL; }

static void one_thread_pair(void)
{
	x_then_y(NULL);
	y_then_x(NULL);
}

static void two_threads(void)
{
	x_then_y(NULL);
	y_then_z(NULL);
	run_in_thread(z_then_x);
}

/* Three threads alive at the same time take their turn one after the other (atomics, no lock, so the
 * turn-taking adds no edge), and none ends before all have had theirs. */
static atomic_int turn, finished;
static void *(*const steps[3])(void *) = { x_then_y, y_then_z, z_then_x };

static void *take_turn(void *arg)
{
	int me = (int)(long)arg;
	while (atomic_load(&turn) != me)
		sched_yield();
	steps[me](NULL);
	atomic_fetch_add(&finished, 1);
	atomic_store(&turn, me + 1);
	while (atomic_load(&finished) < 3)
		sched_yield();
	return NULL;
}

static void three_threads(void)
{
	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, take_turn, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
}

/* ---- instances: one code path, one cycle per connection object */

struct connection {
	pthread_mutex_t lock;
	int data;
};

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t bus_datas = PTHREAD_MUTEX_INITIALIZER;

/* bus -> bus_datas -> connection: look up the connection's slot under the bus's locks. */
static __attribute__((noinline)) void bus_set_data(struct connection *c)
{
	pthread_mutex_lock(&bus_lock); /* instances: bus */
	pthread_mutex_lock(&bus_datas); /* instances: datas */
	pthread_mutex_lock(&c->lock); /* instances: connection */
	c->data++;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&bus_datas);
	pthread_mutex_unlock(&bus_lock);
}

/* connection -> bus: the connection, locked, calls back into the bus. */
static __attribute__((noinline)) void connection_dispatch(struct connection *c)
{
	pthread_mutex_lock(&c->lock); /* instances: dispatch holds */
	pthread_mutex_lock(&bus_lock); /* instances: dispatch takes bus */
	work += c->data;
	pthread_mutex_unlock(&bus_lock);
	pthread_mutex_unlock(&c->lock);
}

static void instances(int n)
{
	struct connection *conns = calloc((size_t)n, sizeof *conns);
	if (!conns)
		exit(1);
	for (int i = 0; i < n; i++)
		pthread_mutex_init(&conns[i].lock, NULL); /* instances: init */
	for (int i = 0; i < n; i++) {
		bus_set_data(&conns[i]);
		connection_dispatch(&conns[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_mutex_destroy(&conns[i].lock);
	free(conns);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "shared-edge";
	if (strcmp(mode, "shared-edge") == 0) {
		shared_edge();
	} else if (strcmp(mode, "one-thread") == 0) {
		one_thread();
	} else if (strcmp(mode, "one-thread-pair") == 0) {
		one_thread_pair();
	} else if (strcmp(mode, "two-threads") == 0) {
		two_threads();
	} else if (strcmp(mode, "three-threads") == 0) {
		three_threads();
	} else if (strcmp(mode, "instances") == 0) {
		instances(argc > 2 ? atoi(argv[2]) : 20);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("misuse_cycles %s: work=%ld\n", mode, work);
	return 0;
}
