/* The first stop of the world: a collector that parks its mutator with SIGUSR2 (a handler that waits in
 * sigsuspend until SIGUSR1, HotSpot's and D's way) while the mutator is forever making new lock-order
 * edges, so that the first signal is likely to land inside the checker's bookkeeping, before anything
 * told the checker that this program parks threads.  While the mutator is parked, the collector makes
 * new edges of its own.  The checker learns of the parking from the first pthread_kill, and must let
 * the sections already under way finish before that signal goes out, or the collector waits for an
 * internal lock the parked mutator holds, for ever.  The mutator's orders go both ways, so that it is
 * often inside a report (the longest sections); run it with --exitcode=0.
 * Prints "stopworld_first: N stops" and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 4000
#define STOPS 100
static pthread_mutex_t mut_locks[N], col_locks[N];
static sem_t parked;
static volatile sig_atomic_t resumed;
static atomic_int stop;

static void on_suspend(int sig)
{
	(void)sig;
	sigset_t wait;
	sigfillset(&wait);
	sigdelset(&wait, SIGUSR1);
	resumed = 0;
	sem_post(&parked);
	while (!resumed)
		sigsuspend(&wait);
}

static void on_resume(int sig)
{
	(void)sig;
	resumed = 1;
}

static void *mutator(void *arg)
{
	(void)arg;
	for (int round = 0; !atomic_load(&stop); round++)
		for (int i = 0; i < N && !atomic_load(&stop); i++) {
			int j = (i * 7 + round + 1) % N;
			if (j == i)
				continue;
			pthread_mutex_lock(&mut_locks[i]);
			pthread_mutex_lock(&mut_locks[j]);
			pthread_mutex_unlock(&mut_locks[j]);
			pthread_mutex_unlock(&mut_locks[i]);
		}
	return NULL;
}

int main(void)
{
	for (int i = 0; i < N; i++) {
		pthread_mutex_init(&mut_locks[i], NULL);
		pthread_mutex_init(&col_locks[i], NULL);
	}
	sem_init(&parked, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);
	sa.sa_handler = on_suspend;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_resume;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t m;
	pthread_create(&m, NULL, mutator, NULL);
	usleep(1000);                           /* the mutator under way */
	for (int s = 0; s < STOPS; s++) {
		pthread_kill(m, SIGUSR2);
		while (sem_wait(&parked) != 0)
			;
		for (int i = 0; i < 20; i++) {  /* the collector's own new edges */
			int a = (s * 37 + i * 11) % (N - 1);
			pthread_mutex_lock(&col_locks[a]);
			pthread_mutex_lock(&col_locks[a + 1]);
			pthread_mutex_unlock(&col_locks[a + 1]);
			pthread_mutex_unlock(&col_locks[a]);
		}
		pthread_kill(m, SIGUSR1);
		usleep(500);
	}
	atomic_store(&stop, 1);
	pthread_join(m, NULL);
	printf("stopworld_first: %d stops\n", STOPS);
	return 0;
}
