/*
 * hallway_backoff: the hallway with locks, done right.  As in hallway_trylock, Alice stands on the
 * left side (holds left_side) and wants the right; Barbara stands on the right and wants the left.
 * Stepping in takes a moment (50 us with her own side held); then each tries the other side with
 * pthread_mutex_trylock and steps back (releases her own side) when it is taken — but then waits a
 * random while before stepping in again, so the two fall out of step and one of them soon finds the
 * other side free.  They start together, so they do meet; each walks the hallway 200 times.
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the livelock example (two people in a hallway); the way out
 * of it is a random back-off, as Ethernet does.
 *
 * Expected verdict: clean.  A failed try is followed by a release and a random pause: the failure
 * streaks stay short, both walkers make progress, and a trylock never waits, so holding one side
 * while trying the other is no lock-order cycle.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CROSSINGS 200

static pthread_mutex_t left_side = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right_side = PTHREAD_MUTEX_INITIALIZER;
static atomic_int start_gate;

struct person {
	const char *name;
	pthread_mutex_t *standing_on, *wants;
	unsigned seed;
	unsigned long steps_back;
	int crossings;
};

static void busy_us(long us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* A pause of 0 to 200 microseconds, different for each walker. */
static void step_aside(struct person *p)
{
	struct timespec pause = { 0, (long)(rand_r(&p->seed) % 200) * 1000L };
	nanosleep(&pause, NULL);
}

static void *walk(void *arg)
{
	struct person *p = arg;
	while (!atomic_load(&start_gate))
		;
	while (p->crossings < CROSSINGS) {
		pthread_mutex_lock(p->standing_on);             /* step in */
		busy_us(50);
		int got_past = pthread_mutex_trylock(p->wants) == 0;
		if (got_past) {
			p->crossings++;
			pthread_mutex_unlock(p->wants);
		} else {
			p->steps_back++;
		}
		pthread_mutex_unlock(p->standing_on);           /* step back */
		if (!got_past)
			step_aside(p);
	}
	return NULL;
}

int main(void)
{
	struct person people[2] = { { "Alice", &left_side, &right_side, 1u, 0, 0 },
				    { "Barbara", &right_side, &left_side, 2u, 0, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, walk, &people[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_setname_np(th[i], people[i].name);
	}
	atomic_store(&start_gate, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		printf("%s crossed %d times, stepping back %lu times\n", people[i].name, people[i].crossings,
		       people[i].steps_back);
	return 0;
}
