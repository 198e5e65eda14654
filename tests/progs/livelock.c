/* livelock: the hallway with locks.  Two walkers each hold the side of the hallway they stand on
 * (left_lock, right_lock) and try to take the other side with pthread_mutex_trylock; on failure they
 * step back (release) and try again.
 *   hallway  the walkers move in step (an atomic rendezvous after each move), so every try fails,
 *            for ever: a livelock.  They give up after 3 s so that the program ends.
 *   backoff  the same walkers, but after a failure each waits a random while before trying again:
 *            they soon get past each other, 2000 times over.  Clean.
 *   bursts   in step as in the hallway, but every 150 rounds one walker, in turn, stays out of its
 *            side for a round and the other gets past: long runs of failures, each ended by a
 *            success, for 1.5 s.  Progress, so clean — as long as a success ends the failure streak,
 *            also when the trylock that succeeds takes the fast path (past the walkers' warm-up).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t left_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint arrived;
static atomic_int give_up;
static unsigned long passes[2], retries[2];

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Both walkers reach step number `step` before either goes on. */
static long long end_ms;

static void in_step(unsigned step)
{
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < 2 * step && !atomic_load(&give_up))
		if (now_ms() > end_ms)
			atomic_store(&give_up, 1);
		else
			sched_yield();
}

struct walker {
	int id;
	pthread_mutex_t *mine, *other;
	int lockstep;
	int bursts;
};

static void *walk(void *arg)
{
	struct walker *w = arg;
	unsigned step = 0;
	unsigned seed = (unsigned)w->id * 7919u + 1;
	unsigned round = 0;
	while ((w->bursts || passes[w->id] < 2000) && !atomic_load(&give_up)) {
		/* bursts: this walker's turn to stay out of its side for a round */
		int out = w->bursts && ++round % 150 == (w->id ? 0u : 75u);
		if (w->bursts && now_ms() > end_ms)
			break;
		if (!out)
			pthread_mutex_lock(w->mine);
		if (w->lockstep)
			in_step(++step);
		int got = pthread_mutex_trylock(w->other) == 0; /* livelock: try the other side */
		if (w->lockstep)
			in_step(++step);        /* both have tried before either steps back */
		if (got) {
			passes[w->id]++;
			pthread_mutex_unlock(w->other);
			if (!out)
				pthread_mutex_unlock(w->mine);
			continue;
		}
		retries[w->id]++;
		if (!out)
			pthread_mutex_unlock(w->mine);  /* step back */
		if (!w->lockstep)
			usleep(rand_r(&seed) % 200);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hallway";
	int bursts = strcmp(mode, "bursts") == 0;
	int lockstep = strcmp(mode, "hallway") == 0 || bursts;
	struct walker ws[2] = { { 0, &left_lock, &right_lock, lockstep, bursts },
				{ 1, &right_lock, &left_lock, lockstep, bursts } };
	pthread_t th[2];
	end_ms = now_ms() + (bursts ? 1500 : 3000);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, walk, &ws[i]);
	pthread_setname_np(th[0], "alice");
	pthread_setname_np(th[1], "barbara");
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("livelock %s: passes %lu %lu\n", mode, passes[0], passes[1]);
	return 0;
}
