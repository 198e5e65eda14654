/*
 * hallway_livelock: two people meet in a hallway.  Each politely steps
 * aside, always in the same direction as the other at the same moment, so
 * neither gets past.  A shared "cadence" (a mutex + condition variable step
 * barrier) keeps both walkers in lock-step, and two atomic counters record
 * how many people are trying to go left and right.  Each person gives up after
 * five attempts, so the program ends by itself.
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt, the livelock example (two people in
 * a hallway, tryLeft/tryRight, a shared cadence).
 *
 * Expected verdict: clean.  A livelock is busy but holds no lock while
 * waiting for another: cadence_lock is the only lock and is released inside
 * every condition wait.  The checker must not call this a deadlock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ATTEMPTS 5

/* The cadence: everybody in the hallway takes each step at the same time. */
static pthread_mutex_t cadence_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cadence_cond = PTHREAD_COND_INITIALIZER;
static int cadence_walkers = 2;         /* guarded by cadence_lock */
static int cadence_arrived;             /* guarded by cadence_lock */
static unsigned long cadence_beat;      /* guarded by cadence_lock */

static atomic_int going_left;
static atomic_int going_right;

/* Requires cadence_lock: everyone still walking has arrived; start the next beat. */
static void cadence_advance_locked(void)
{
	cadence_arrived = 0;
	cadence_beat++;
	pthread_cond_broadcast(&cadence_cond);
}

static void take_step(void)
{
	pthread_mutex_lock(&cadence_lock);
	unsigned long beat = cadence_beat;
	if (++cadence_arrived == cadence_walkers)
		cadence_advance_locked();
	else
		while (beat == cadence_beat)
			pthread_cond_wait(&cadence_cond, &cadence_lock);
	pthread_mutex_unlock(&cadence_lock);
}

/* A walker that got past (or gave up) no longer keeps the beat. */
static void leave_hallway(void)
{
	pthread_mutex_lock(&cadence_lock);
	cadence_walkers--;
	if (cadence_walkers > 0 && cadence_arrived == cadence_walkers)
		cadence_advance_locked();
	pthread_mutex_unlock(&cadence_lock);
}

static bool try_direction(const char *dir_name, atomic_int *dir, char *log, size_t logsz)
{
	strncat(log, " ", logsz - strlen(log) - 1);
	strncat(log, dir_name, logsz - strlen(log) - 1);
	atomic_fetch_add(dir, 1);       /* announce the intention to move that way */
	take_step();
	if (atomic_load(dir) == 1) {    /* nobody else picked the same side */
		strncat(log, ". Success!", logsz - strlen(log) - 1);
		return true;
	}
	take_step();
	atomic_fetch_sub(dir, 1);       /* blocked: step back */
	return false;
}

struct walker {
	const char *name;
	bool got_past;
	char log[256];
};

static void *walk(void *arg)
{
	struct walker *w = arg;
	snprintf(w->log, sizeof w->log, "%s is trying to scoot:", w->name);
	for (int i = 0; i < ATTEMPTS && !w->got_past; i++)
		w->got_past = try_direction("left", &going_left, w->log, sizeof w->log) ||
			      try_direction("right", &going_right, w->log, sizeof w->log);
	leave_hallway();
	return NULL;
}

int main(void)
{
	struct walker people[2] = { { .name = "Alice" }, { .name = "Barbara" } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, walk, &people[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_setname_np(th[i], people[i].name);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		printf("%s\n", people[i].log);
		if (!people[i].got_past)
			printf("%s tosses her hands up in exasperation!\n", people[i].name);
	}
	return 0;
}
