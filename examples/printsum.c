/*
 * printsum: two values, each with its own mutex, summed by two threads that
 * take the locks in opposite orders (thread 1: a then b, thread 2: b then a).
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the printSum deadlock example used to
 * introduce the Coffman conditions.
 *
 * This run is the lucky one: thread 2 only starts once thread 1 has finished,
 * so the two threads never overlap and the program always completes.
 *
 * Expected verdict: lock-order-inversion.  Thread 1 records the order
 * value_a_lock -> value_b_lock, and thread 2 then records value_b_lock ->
 * value_a_lock, which closes a cycle in the lock-order graph.  With a different
 * schedule the same code deadlocks (see printsum_deadlock.c), so the checker
 * reports the potential deadlock even though this run finished fine.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct value {
	pthread_mutex_t *lock;  /* guards amount */
	int amount;
};

static pthread_mutex_t value_a_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t value_b_lock = PTHREAD_MUTEX_INITIALIZER;
static struct value value_a = { &value_a_lock, 10 };
static struct value value_b = { &value_b_lock, 32 };

struct sum_job {
	struct value *first;
	struct value *second;
	const char *label;
};

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Holds first's lock, then takes second's: the order depends on the caller. */
static void print_sum(struct value *first, struct value *second, const char *label)
{
	pthread_mutex_lock(first->lock);
	pause_ms(10);           /* "some work" between the two acquisitions */
	pthread_mutex_lock(second->lock);
	printf("%s: sum=%d\n", label, first->amount + second->amount);
	pthread_mutex_unlock(second->lock);
	pthread_mutex_unlock(first->lock);
}

static void *sum_thread(void *arg)
{
	struct sum_job *job = arg;
	print_sum(job->first, job->second, job->label);
	return NULL;
}

static void run_one(struct sum_job *job, const char *thread_name)
{
	pthread_t th;
	if (pthread_create(&th, NULL, sum_thread, job) != 0) {
		perror("pthread_create");
		exit(1);
	}
	pthread_setname_np(th, thread_name);
	pthread_join(th, NULL);
}

int main(void)
{
	struct sum_job a_then_b = { &value_a, &value_b, "a+b" };
	struct sum_job b_then_a = { &value_b, &value_a, "b+a" };

	/* Sequential on purpose: thread 1 is joined before thread 2 starts. */
	run_one(&a_then_b, "sum-a-then-b");
	run_one(&b_then_a, "sum-b-then-a");
	return 0;
}
