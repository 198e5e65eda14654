/*
 * greedy_polite: starvation without deadlock.  Two workers share one lock
 * and do the same amount of simulated work per unit (three ticks).  The
 * greedy worker holds the lock for the whole unit and takes it back the
 * moment it lets go; the polite worker takes it for one tick at a time and
 * steps back between ticks (a short pause outside the lock) so that the
 * other worker can have it.  The polite worker is a background job: it runs
 * under SCHED_BATCH, so waking up it never pushes a running thread off its
 * CPU.  Both run for about a second and then report how many units they
 * completed.
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the starvation example (greedyWorker
 * and politeWorker sharing sharedLock; "the greedy worker got almost twice
 * the amount of work done").
 *
 * Expected verdict: starvation.  A glibc mutex has no hand-off: unlocking
 * wakes a waiter, and the greedy worker, already running, locks again long
 * before the woken polite worker gets to the lock, which finds it taken and
 * sleeps again.  So the polite worker waits hundreds of milliseconds while
 * the greedy one takes the lock hundreds of times: coffman reports it as
 * `starvation` (the polite worker, its wait, the greedy worker's count and
 * where it takes the lock) and the program runs on.  (Go's sync.Mutex
 * switches to hand-off after a waiter has waited 1 ms, which is why the
 * seed's polite worker still gets a third of the work done; here it gets
 * next to nothing.)
 *
 * Why SCHED_BATCH: on a machine with more runnable threads than cores, a
 * woken thread of the normal policy is often run at once on the greedy
 * worker's CPU, preempting it between its unlock and its next lock, and the
 * scheduler then hands the lock over for it.  Without the step back, the C
 * port is not starved but alternates: each worker re-takes the lock at
 * once, and whichever holds it keeps it for a while.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define RUN_NS (1000 * 1000000LL)
#define TICK_NS 100000LL        /* one tick of simulated work, busy-waited */
#define STEP_BACK_NS 50000L     /* the polite worker's pause between its ticks */

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

static void step_back(void)
{
	struct timespec pause = { 0, STEP_BACK_NS };
	nanosleep(&pause, NULL);
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
	struct sched_param batch = { 0 };
	pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch);
	wait_for_start();
	for (long long begin = now_ns(); now_ns() - begin <= RUN_NS; ) {
		for (int tick = 0; tick < 3; tick++) {
			pthread_mutex_lock(&shared_lock);
			work_ticks(1);
			pthread_mutex_unlock(&shared_lock);
			step_back();
		}
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
