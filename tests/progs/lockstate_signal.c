/* A signal handler that locks a mutex its own thread holds: natively the thread waits for itself for
 * ever.  The signal lands while the thread is inside one of coffman's wrappers (its re-entry guard
 * raised), which used to send the handler's lock straight to the real function: a silent hang.
 * Usage: lockstate_signal MODE
 *   in_join  main holds sig_lock and joins a worker; the worker sends SIGUSR1 to main
 *   in_cond  main holds sig_lock and waits on a condition variable; the worker sends SIGUSR1
 *   busy     main holds sig_lock and keeps making new lock-order edges (the checker's slow path) while
 *            a 1 ms interval timer delivers SIGALRM */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NLOCKS 20000

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t many[NLOCKS];
static pthread_t main_thread;

static void on_signal(int sig)
{
	(void)sig;
	pthread_mutex_lock(&sig_lock); /* handler: lock what the thread holds */
	pthread_mutex_unlock(&sig_lock);
}

static void *send_signal(void *arg)
{
	(void)arg;
	usleep(300000);
	pthread_kill(main_thread, SIGUSR1);
	sleep(5);
	return NULL;
}

static void make_new_edges(void)
{
	for (int i = 0; i < NLOCKS; i++)
		pthread_mutex_init(&many[i], NULL);
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &every_ms, NULL);
	for (int round = 0; round < 100; round++)
		for (int i = 0; i < NLOCKS; i++) {
			int j = (i + 1 + (i * 7919 + round) % (NLOCKS - 1)) % NLOCKS;      /* never i */
			pthread_mutex_lock(&many[i]);
			pthread_mutex_lock(&many[j]);
			pthread_mutex_unlock(&many[j]);
			pthread_mutex_unlock(&many[i]);
		}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	main_thread = pthread_self();
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_mutex_lock(&sig_lock); /* main: hold sig_lock */
	printf("lockstate_signal: holding sig_lock\n");
	if (strcmp(mode, "in_join") == 0) {
		pthread_t th;
		pthread_create(&th, NULL, send_signal, NULL);
		pthread_join(th, NULL);
	} else if (strcmp(mode, "in_cond") == 0) {
		pthread_t th;
		pthread_create(&th, NULL, send_signal, NULL);
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 5;
		pthread_mutex_lock(&wait_lock);
		pthread_cond_timedwait(&never, &wait_lock, &deadline);
		pthread_mutex_unlock(&wait_lock);
	} else if (strcmp(mode, "busy") == 0) {
		make_new_edges();
	} else {
		fprintf(stderr, "lockstate_signal: unknown mode '%s'\n", mode);
		return 2;
	}
	printf("lockstate_signal: not reached (the handler waits for ever)\n");
	return 0;
}
