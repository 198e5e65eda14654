/* A program whose threads block every signal and read them themselves (sigtimedwait here; a signalfd
 * in an event loop is the same): main blocks them before it starts its threads, which inherit the mask.
 * The holder takes L and keeps it 2.5 s; the waiter blocks on L.  Under --watchdog=1
 * --watchdog-action=report coffman reports the hang and asks the holder for its stack with a signal
 * the holder blocks: it stayed pending, and the holder's own signal reading got it afterwards.
 * Each thread then takes, without waiting, every signal pending for it, and prints what it got. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
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

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held_long);
	pthread_barrier_wait(&started);
	struct timespec ts = { 2, 500000000 };
	nanosleep(&ts, NULL);           /* sigblock: the holder sleeps holding L */
	pthread_mutex_unlock(&held_long);
	return (void *)(long)stray_signals("holder");
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&held_long); /* sigblock: the waiter blocks on L */
	pthread_mutex_unlock(&held_long);
	return (void *)(long)stray_signals("waiter");
}

int main(void)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_barrier_init(&started, NULL, 2);
	pthread_t h, w;
	pthread_create(&h, NULL, holder, NULL);
	pthread_create(&w, NULL, waiter, NULL);
	void *rh, *rw;
	pthread_join(h, &rh);
	pthread_join(w, &rw);
	if ((long)rh + (long)rw == 0)
		printf("api_wdsigblock: no stray signal\n");
	return 0;
}
