/*
 * greedy_polite: starvation without deadlock.  Two workers share one lock
 * and do the same amount of simulated work per unit (three ticks).  The
 * greedy worker holds the lock for the whole unit; the polite worker takes
 * and releases it around each tick, three times per unit.  Both run for
 * about 300 ms and then report how many units they completed; the greedy
 * one typically gets more done.
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the starvation example (greedyWorker
 * and politeWorker sharing sharedLock).
 *
 * Expected verdict: clean.  Starvation is a fairness problem, not a lock
 * cycle: there is one lock, never nested, always released by its holder.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define RUN_NS (300 * 1000000LL)
#define TICK_NS 2000LL          /* one tick of simulated work, busy-waited */

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int start_gate;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void work_ticks(int ticks)
{
	long long until = now_ns() + ticks * TICK_NS;
	while (now_ns() < until)
		;
}

static void wait_for_start(void)
{
	while (!atomic_load(&start_gate))
		;
}

static void *greedy_worker(void *arg)
{
	long *count = arg;
	wait_for_start();
	for (long long begin = now_ns(); now_ns() - begin <= RUN_NS; ) {
		pthread_mutex_lock(&shared_lock);
		work_ticks(3);
		pthread_mutex_unlock(&shared_lock);
		++*count;
	}
	return NULL;
}

static void *polite_worker(void *arg)
{
	long *count = arg;
	wait_for_start();
	for (long long begin = now_ns(); now_ns() - begin <= RUN_NS; ) {
		pthread_mutex_lock(&shared_lock);
		work_ticks(1);
		pthread_mutex_unlock(&shared_lock);

		pthread_mutex_lock(&shared_lock);
		work_ticks(1);
		pthread_mutex_unlock(&shared_lock);

		pthread_mutex_lock(&shared_lock);
		work_ticks(1);
		pthread_mutex_unlock(&shared_lock);
		++*count;
	}
	return NULL;
}

int main(void)
{
	long greedy_units = 0, polite_units = 0;
	pthread_t greedy, polite;
	if (pthread_create(&greedy, NULL, greedy_worker, &greedy_units) != 0 ||
	    pthread_create(&polite, NULL, polite_worker, &polite_units) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(greedy, "greedy");
	pthread_setname_np(polite, "polite");
	atomic_store(&start_gate, 1);
	pthread_join(greedy, NULL);
	pthread_join(polite, NULL);
	printf("Greedy worker was able to execute %ld work units\n", greedy_units);
	printf("Polite worker was able to execute %ld work units\n", polite_units);
	return 0;
}
