/* New lock-order edges made from frames of every shape the cached stack walk meets (shim/deps_unwind.c),
 * built -O2 without frame pointers: functions whose CFA is rsp plus an offset, an alloca (and a
 * variable-length array) that makes rbp the CFA, a 1 MB frame, a recursive chain, a signal handler on
 * the thread's own stack and one on an alternate signal stack (the kernel's frame, which libunwind
 * steps), the same in a second thread (whose stack ends at its descriptor), and a final lock-order
 * inversion whose second edge is made in a signal handler interrupting the alloca frame deep in the
 * recursion, so that its report shows the whole chain.
 * Usage: unwind_shapes (expected: one lock-order-inversion of outer and inner, exit status 66) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLOCKS 64

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER, inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t locks[NLOCKS];
static int next_lock;
static volatile int sink;
static int invert_in_handler;

/* Take a fresh pair: the second acquisition is a lock-order edge nobody has seen, so it is captured. */
static __attribute__((noinline)) void new_edge(void)
{
	pthread_mutex_t *a = &locks[next_lock++ % NLOCKS], *b = &locks[next_lock++ % NLOCKS];
	pthread_mutex_lock(a);
	pthread_mutex_lock(b);
	pthread_mutex_unlock(b);
	pthread_mutex_unlock(a);
	sink++;
}

static void on_signal(int sig)
{
	(void)sig;
	if (invert_in_handler) {
		pthread_mutex_lock(&inner);
		pthread_mutex_lock(&outer); /* handler: inner then outer */
		pthread_mutex_unlock(&outer);
		pthread_mutex_unlock(&inner);
	} else {
		new_edge();
	}
}

static __attribute__((noinline)) void in_alloca(int n)
{
	char *buf = alloca((size_t)n);
	memset(buf, n, (size_t)n);
	sink += buf[n / 2];
	if (invert_in_handler)
		raise(SIGUSR1); /* alloca frame: the signal */
	else
		new_edge();
	sink += buf[0];
}

static __attribute__((noinline)) void in_vla(int n)
{
	char buf[n];
	memset(buf, n, sizeof buf);
	new_edge();
	sink += buf[n - 1];
}

static __attribute__((noinline)) void in_big_frame(void)
{
	volatile char big[1 << 20];
	big[0] = 1;
	new_edge();
	sink += big[0] + big[sizeof big - 1];
}

static __attribute__((noinline)) int recurse(int depth)
{
	if (depth == 0) {
		in_alloca(64 + sink % 7); /* deepest */
		return 1;
	}
	int r = recurse(depth - 1); /* recursion */
	new_edge();
	return r + depth;
}

static void shapes(void)
{
	new_edge();
	in_vla(100 + sink % 5);
	in_big_frame();
	sink += recurse(6);
	raise(SIGUSR1);
}

static void *worker(void *arg)
{
	(void)arg;
	shapes();
	return NULL;
}

int main(void)
{
	for (int i = 0; i < NLOCKS; i++)
		pthread_mutex_init(&locks[i], NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	shapes();

	/* The same on an alternate signal stack. */
	stack_t alt = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
	sigaltstack(&alt, NULL);
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);

	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);

	pthread_mutex_lock(&outer);
	pthread_mutex_lock(&inner); /* main: outer then inner */
	pthread_mutex_unlock(&inner);
	pthread_mutex_unlock(&outer);
	invert_in_handler = 1;
	sink += recurse(3); /* main: the inversion's second edge */
	printf("unwind_shapes: done\n");
	return 0;
}
