/*
 * philosophers: five dining philosophers around a table with five forks,
 * one fork (mutex) between each pair of neighbours.  Every philosopher picks
 * up the fork on the left, pauses a moment, then reaches for the fork on the
 * right.  Once all five hold their left fork, every right fork is someone
 * else's left fork: nobody can eat, nobody puts a fork down.  (An atomic
 * "seated" counter makes sure all five hold their left fork before anyone
 * reaches right, so the deadlock happens on every run.)
 *
 * Seed: a five-party version of the circular wait of the printSum deadlock,
 * seeds/001_518e47ce9874e2a8.txt (the Coffman conditions: mutual exclusion,
 * hold and wait, no preemption, circular wait).
 *
 * Expected verdict: deadlock, a wait-for cycle through all five philosophers
 * and fork_0_lock .. fork_4_lock.  The checker reports it within a second
 * and ends the process with 66; natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define DINERS 5

static pthread_mutex_t fork_0_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_1_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_2_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_3_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_4_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *const forks[DINERS] = {
	&fork_0_lock, &fork_1_lock, &fork_2_lock, &fork_3_lock, &fork_4_lock,
};

static atomic_int seated;       /* philosophers holding their left fork */
static int meals[DINERS];

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void pick_up_left(int who)
{
	pthread_mutex_lock(forks[who]);
}

static void pick_up_right(int who)
{
	pthread_mutex_lock(forks[(who + 1) % DINERS]);
}

static void put_down_both(int who)
{
	pthread_mutex_unlock(forks[(who + 1) % DINERS]);
	pthread_mutex_unlock(forks[who]);
}

static void *philosopher(void *arg)
{
	int who = (int)(size_t)arg;
	pick_up_left(who);
	atomic_fetch_add(&seated, 1);
	pause_ms(50);                   /* admire the food */
	while (atomic_load(&seated) < DINERS)
		pause_ms(1);
	pick_up_right(who);
	meals[who]++;
	put_down_both(who);
	return NULL;
}

int main(void)
{
	pthread_t th[DINERS];
	for (int i = 0; i < DINERS; i++) {
		char name[32];
		if (pthread_create(&th[i], NULL, philosopher, (void *)(size_t)i) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "philosopher-%d", i);
		pthread_setname_np(th[i], name);
	}
	for (int i = 0; i < DINERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < DINERS; i++)
		printf("philosopher %d ate %d time(s)\n", i, meals[i]);
	return 0;
}
