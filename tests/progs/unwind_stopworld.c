/* A stop-the-world collector in the style of the Boehm GC (Guile's, Mono's, ...): the collector sends
 * each worker a suspend signal whose handler posts a semaphore and sits in sigsuspend until the
 * restart signal; while the workers are stopped, the collector waits on a condition variable; then
 * it restarts them.  Every condition wait is made from code without unwind information (a trampoline
 * in an anonymous executable page, like a JIT's), so under the watchdog each wait's stack capture
 * steps that frame with libunwind.  A worker stopped in the middle of such a step must not hold a
 * lock the collector's own capture needs: the program would hang, natively it never does.
 * With "churn", every wait (the collector's too) first makes two new mutexes and takes them nested
 * (a new lock, a new lock-order edge: the checker's own bookkeeping, under its internal locks, with
 * or without the watchdog): a worker stopped there must not hold an internal lock either.
 * Prints "unwind_stopworld: done" and exits 0 (77, skipped, where the trampoline is not x86-64 code). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define WORKERS 3
/* The Boehm GC's signals on Linux; with "usr", SIGUSR2 and SIGUSR1 (HotSpot suspends with SIGUSR2, D's
 * collector with SIGUSR1), whose handlers alone do not tell a collector from a server's log rotation. */
static int SIG_SUSPEND = SIGPWR, SIG_RESTART = SIGXCPU;

typedef void (*tramp_fn)(void (*fn)(void *), void *arg);
static tramp_fn tramp;          /* push %rbp; mov %rsp,%rbp; mov %rdi,%rax; mov %rsi,%rdi; call *%rax; pop %rbp; ret */

static sem_t ack;
static atomic_int world_stopped, stop;
static pthread_t workers[WORKERS];

static void suspend_handler(int sig)
{
	(void)sig;
	int saved = errno;
	sigset_t mask;
	sigfillset(&mask);
	sigdelset(&mask, SIG_RESTART);
	sem_post(&ack);
	while (atomic_load(&world_stopped))
		sigsuspend(&mask);
	sem_post(&ack);         /* restarted: the collector waits for this before its next round */
	errno = saved;
}

static void restart_handler(int sig)
{
	(void)sig;
}

struct waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
};

static int churn;

static void new_locks(void)
{
	pthread_mutex_t x, y;
	pthread_mutex_init(&x, NULL);
	pthread_mutex_init(&y, NULL);
	pthread_mutex_lock(&x);
	pthread_mutex_lock(&y);
	pthread_mutex_unlock(&y);
	pthread_mutex_unlock(&x);
	pthread_mutex_destroy(&y);
	pthread_mutex_destroy(&x);
}

static void short_wait(void *arg)
{
	struct waiter *w = arg;
	if (churn)
		new_locks();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->m);
	pthread_cond_timedwait(&w->c, &w->m, &ts);
	pthread_mutex_unlock(&w->m);
}

static void *worker(void *arg)
{
	(void)arg;
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };
	while (!atomic_load(&stop))
		tramp(short_wait, &w);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	churn = argc > 2 && strcmp(argv[2], "churn") == 0;
	if (argc > 3 && strcmp(argv[3], "usr") == 0) {
		SIG_SUSPEND = SIGUSR2;
		SIG_RESTART = SIGUSR1;
	}
#if !defined(__x86_64__)
	(void)secs;
	puts("unwind_stopworld: the trampoline is x86-64 code");
	return 77;
#endif
	static const unsigned char code[] = { 0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7,
					      0xff, 0xd0, 0x5d, 0xc3 };
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	memcpy(page, code, sizeof code);
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0)
		return 1;
	tramp = (tramp_fn)page;

	sem_init(&ack, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = suspend_handler;
	sigaction(SIG_SUSPEND, &sa, NULL);
	sa.sa_handler = restart_handler;
	sigaction(SIG_RESTART, &sa, NULL);

	for (int i = 0; i < WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, NULL);

	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long rounds = 0;
	do {
		atomic_store(&world_stopped, 1);
		for (int i = 0; i < WORKERS; i++)
			pthread_kill(workers[i], SIG_SUSPEND);
		for (int i = 0; i < WORKERS; i++)
			while (sem_wait(&ack) != 0)
				;
		tramp(short_wait, &w);          /* the world is stopped: the collector's own wait */
		atomic_store(&world_stopped, 0);
		for (int i = 0; i < WORKERS; i++)
			pthread_kill(workers[i], SIG_RESTART);
		for (int i = 0; i < WORKERS; i++)
			while (sem_wait(&ack) != 0)
				;
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	printf("unwind_stopworld: %s\n", rounds > 0 ? "done" : "no round");
	return 0;
}
