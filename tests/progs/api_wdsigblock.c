/* The watchdog's look at a lock's holder, and signals.  The holder takes L and sleeps 2.5 s holding
 * it; the waiter blocks on L; under --watchdog=1 --watchdog-action=report coffman reports the hang and
 * shows what the holder is doing.
 *
 *   api_wdsigblock blocked   every thread blocks every signal and reads its own (sigtimedwait; a
 *                            signalfd in an event loop is the same): main blocks them before it starts
 *                            its threads; the holder spins instead of sleeping.  coffman asked the holder for its stack with a signal it
 *                            blocked: it stayed pending, and the holder's own reading got it.  Each
 *                            thread takes every signal pending for it, and prints what it got.
 *   api_wdsigblock sleep     nothing blocked: the holder's nanosleep must not be cut short (a signal
 *                            handler ends it early, SA_RESTART or not), and prints how it ended. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held_long = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t started;

static int stray_signals(const char *who)
{
	sigset_t all;
	sigfillset(&all);
	struct timespec now = { 0, 0 };
	int n = 0, sig;
	while ((sig = sigtimedwait(&all, NULL, &now)) > 0) {
		printf("api_wdsigblock: %s got signal %d\n", who, sig);
		n++;
	}
	return n;
}

static int sleep_mode;

/* Busy for that long, in no system call (clock_gettime is the vDSO's). */
static void spin_for(const struct timespec *ts)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) <
	       ts->tv_sec * 1000000000L + ts->tv_nsec);
}

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held_long);
	pthread_barrier_wait(&started);
	struct timespec ts = { 2, 500000000 };
	if (!sleep_mode)
		spin_for(&ts);          /* sigblock: the holder spins holding L */
	else if (nanosleep(&ts, NULL) != 0)     /* sigblock: the holder sleeps holding L */
		printf("api_wdsigblock: the holder's sleep was cut short\n");
	else
		printf("api_wdsigblock: the holder slept its 2.5 s\n");
	pthread_mutex_unlock(&held_long);
	return sleep_mode ? NULL : (void *)(long)stray_signals("holder");
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&held_long); /* sigblock: the waiter blocks on L */
	pthread_mutex_unlock(&held_long);
	return sleep_mode ? NULL : (void *)(long)stray_signals("waiter");
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "blocked") != 0 && strcmp(argv[1], "sleep") != 0)) {
		fprintf(stderr, "usage: api_wdsigblock blocked|sleep\n");
		return 2;
	}
	sleep_mode = strcmp(argv[1], "sleep") == 0;
	sigset_t all;
	sigfillset(&all);
	if (!sleep_mode)
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_barrier_init(&started, NULL, 2);
	pthread_t h, w;
	pthread_create(&h, NULL, holder, NULL);
	pthread_create(&w, NULL, waiter, NULL);
	void *rh, *rw;
	pthread_join(h, &rh);
	pthread_join(w, &rw);
	if (!sleep_mode && (long)rh + (long)rw == 0)
		printf("api_wdsigblock: no stray signal\n");
	return 0;
}
