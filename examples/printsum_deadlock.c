/*
 * printsum_deadlock: printSum run the unlucky way.  Both threads start
 * together; each locks its first value, pauses 100 ms (long enough for the
 * other thread to lock its own first value), then asks for the second value's
 * lock, which the other thread holds.  Neither can proceed: a real deadlock
 * between two threads.  (To make the outcome certain even on a loaded
 * machine, each thread also waits, on an atomic counter, until both hold
 * their first lock.)
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the printSum example with a sleep
 * between the two Lock calls and the Coffman conditions it meets.
 *
 * Expected verdict: deadlock.  Thread 1 holds value_a_lock and waits for
 * value_b_lock; thread 2 holds value_b_lock and waits for value_a_lock.  The
 * checker finds the wait-for cycle within a second and ends the process with
 * 66.  Natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

struct value {
	pthread_mutex_t *lock;  /* guards amount */
	int amount;
};

static pthread_mutex_t value_a_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t value_b_lock = PTHREAD_MUTEX_INITIALIZER;
static struct value value_a = { &value_a_lock, 10 };
static struct value value_b = { &value_b_lock, 32 };

static atomic_int holding_first;        /* threads that hold their first lock */

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void print_sum(struct value *first, struct value *second, const char *label)
{
	pthread_mutex_lock(first->lock);
	atomic_fetch_add(&holding_first, 1);
	pause_ms(100);
	while (atomic_load(&holding_first) < 2)
		pause_ms(1);
	pthread_mutex_lock(second->lock);
	printf("%s: sum=%d\n", label, first->amount + second->amount);
	pthread_mutex_unlock(second->lock);
	pthread_mutex_unlock(first->lock);
}

static void *sum_a_then_b(void *arg)
{
	(void)arg;
	print_sum(&value_a, &value_b, "a+b");
	return NULL;
}

static void *sum_b_then_a(void *arg)
{
	(void)arg;
	print_sum(&value_b, &value_a, "b+a");
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;
	if (pthread_create(&t1, NULL, sum_a_then_b, NULL) != 0 ||
	    pthread_create(&t2, NULL, sum_b_then_a, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(t1, "sum-a-then-b");
	pthread_setname_np(t2, "sum-b-then-a");
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return 0;
}
