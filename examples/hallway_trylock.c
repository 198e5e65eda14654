/*
 * hallway_trylock: the hallway livelock with locks.  Alice stands on the left side of the hallway
 * (holds left_side) and wants the right side; Barbara stands on the right (holds right_side) and
 * wants the left.  Each tries the other side with pthread_mutex_trylock and, politely, steps back
 * (releases her own side) when it is taken, then steps in again.  They move in step — a shared
 * cadence: both are in place before either tries, and both have tried before either steps back — so
 * every try fails.  Each gives up after three seconds, so the program ends by itself.
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the livelock example (two people in a hallway), in the form
 * C programs take: "polite" trylock-and-back-off deadlock avoidance.
 *
 * Expected verdict: livelock.  Unlike hallway_livelock (atomic counters, no lock held while retrying),
 * here each walker holds a lock while she fails on the other's, over and over.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t left_side = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right_side = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint beats;               /* arrivals at the cadence, both walkers together */
static atomic_int tired;
static long long give_up_at_ms;

static long long clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait until both walkers have reached beat n. */
static void keep_cadence(unsigned n)
{
	atomic_fetch_add(&beats, 1);
	while (atomic_load(&beats) < 2 * n && !atomic_load(&tired)) {
		if (clock_ms() > give_up_at_ms)
			atomic_store(&tired, 1);
		sched_yield();
	}
}

struct person {
	const char *name;
	pthread_mutex_t *standing_on, *wants;
	unsigned long steps_back;
	int got_past;
};

static void *walk(void *arg)
{
	struct person *p = arg;
	unsigned beat = 0;
	while (!p->got_past && !atomic_load(&tired)) {
		pthread_mutex_lock(p->standing_on);             /* step in */
		keep_cadence(++beat);
		p->got_past = pthread_mutex_trylock(p->wants) == 0;
		keep_cadence(++beat);
		if (p->got_past)
			pthread_mutex_unlock(p->wants);
		else
			p->steps_back++;
		pthread_mutex_unlock(p->standing_on);           /* step back */
	}
	return NULL;
}

int main(void)
{
	struct person people[2] = { { "Alice", &left_side, &right_side, 0, 0 },
				    { "Barbara", &right_side, &left_side, 0, 0 } };
	pthread_t th[2];
	give_up_at_ms = clock_ms() + 3000;
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, walk, &people[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_setname_np(th[i], people[i].name);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		printf("%s %s after stepping back %lu times\n", people[i].name,
		       people[i].got_past ? "got past" : "gave up", people[i].steps_back);
	return 0;
}
