/* A stop-the-world collector as Mono's SGen and Boehm's GC make one: a collector thread suspends every
 * worker with a signal whose handler waits in sigsuspend until the collector resumes it, and while the
 * world is stopped the collector itself makes and takes locks.  The workers meanwhile make new locks
 * and new lock orders all the time (each one a graph insert and a stack capture in the checker).
 * Natively nothing a suspended worker holds is needed by the collector.  Under the checker, a worker
 * suspended while it held one of the checker's own locks (the graph's, or libunwind's during a
 * capture) kept it from the collector: both waited for ever.  Built without unwind tables
 * (tests/safety_lockstate.am), so that captures through this program's frames are stepped by
 * libunwind too.  Prints the number of collections and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 3

static pthread_t workers[WORKERS];
static atomic_int suspended, resumed_gen, stop;
static _Thread_local int my_gen;
static sigset_t wait_mask;

static void on_suspend(int sig)
{
	(void)sig;
	int gen = atomic_load(&resumed_gen);
	atomic_fetch_add(&suspended, 1);
	while (atomic_load(&resumed_gen) == gen)
		sigsuspend(&wait_mask);         /* SIGUSR2 wakes it */
	my_gen = gen + 1;
}

static void on_resume(int sig) { (void)sig; }

__attribute__((noinline)) static void new_order(pthread_mutex_t *outer)
{
	pthread_mutex_t inner;
	pthread_mutex_init(&inner, NULL);
	pthread_mutex_lock(outer);
	pthread_mutex_lock(&inner);
	pthread_mutex_unlock(&inner);
	pthread_mutex_unlock(outer);
	pthread_mutex_destroy(&inner);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_t outer;
	pthread_mutex_init(&outer, NULL);
	while (!atomic_load(&stop))
		new_order(&outer);
	pthread_mutex_destroy(&outer);
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 300;
	sigfillset(&wait_mask);
	sigdelset(&wait_mask, SIGUSR2);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);
	sa.sa_handler = on_suspend;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_resume;
	sigaction(SIGUSR2, &sa, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, NULL);
	pthread_mutex_t mine;
	pthread_mutex_init(&mine, NULL);
	for (int r = 0; r < rounds; r++) {
		atomic_store(&suspended, 0);
		for (int i = 0; i < WORKERS; i++)
			pthread_kill(workers[i], SIGUSR1);
		while (atomic_load(&suspended) < WORKERS)
			sched_yield();
		new_order(&mine);               /* the world is stopped */
		atomic_fetch_add(&resumed_gen, 1);
		for (int i = 0; i < WORKERS; i++)
			pthread_kill(workers[i], SIGUSR2);
		usleep(200);                    /* the workers run a while */
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	pthread_mutex_destroy(&mine);
	printf("lockstate_gcsuspend: %d collections\n", rounds);
	return 0;
}
