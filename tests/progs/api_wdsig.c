/* A program with its own signal handlers, run under the watchdog: the signals it sends itself must all
 * arrive, exactly once each, in its own handlers.
 * Usage: api_wdsig count  -- handlers for SIGUSR1 and SIGRTMIN..SIGRTMIN+3; signals sent to itself while
 *                            running and while main waits ~0.8 s for a lock; prints the counts; exits 0.
 *        api_wdsig all    -- handlers for every real-time signal, installed after start; then main waits
 *                            forever for a lock held by a sleeping thread: a hang for the watchdog, which
 *                            must not deliver any signal to the program's handlers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NRT 4
#define ROUNDS 50
static atomic_int usr1_count;
static atomic_int rt_count[NRT];
static atomic_int any_rt_count;
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t holder_ready;
static pthread_t main_thread;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void on_signal(int sig, siginfo_t *info, void *uc)
{
	(void)info;
	(void)uc;
	if (sig == SIGUSR1)
		atomic_fetch_add(&usr1_count, 1);
	else if (sig >= SIGRTMIN && sig < SIGRTMIN + NRT)
		atomic_fetch_add(&rt_count[sig - SIGRTMIN], 1);
}

static void on_any_rt(int sig)
{
	atomic_fetch_add(&any_rt_count, 1);
	char msg[64];
	int n = snprintf(msg, sizeof msg, "api_wdsig: unexpected signal %d\n", sig);
	ssize_t w = write(1, msg, (size_t)n);
	(void)w;
}

static void install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		perror("sigaction");
}

/* Send SIGUSR1 to thread th and wait until the handler ran: standard signals do not queue. */
static void send_usr1(pthread_t th)
{
	int before = atomic_load(&usr1_count);
	pthread_kill(th, SIGUSR1);
	while (atomic_load(&usr1_count) == before)
		sleep_ms(1);
}

static void send_rt_all(pthread_t th)
{
	union sigval v = { .sival_int = 0 };
	for (int k = 0; k < NRT; k++) {
		int rc = pthread_sigqueue(th, SIGRTMIN + k, v);
		if (rc != 0)
			fprintf(stderr, "pthread_sigqueue: %s\n", strerror(rc));
	}
}

/* Holds sig_lock about 0.8 s while signalling main, which is blocked waiting for it. */
static void *signalling_holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sig_lock);
	sem_post(&holder_ready);
	sleep_ms(100); /* main is now waiting for sig_lock */
	for (int i = 0; i < 20; i++) {
		send_usr1(main_thread);
		send_rt_all(main_thread);
		sleep_ms(10);
	}
	sleep_ms(400);
	pthread_mutex_unlock(&sig_lock);
	return NULL;
}

static int run_count(void)
{
	install(SIGUSR1);
	for (int k = 0; k < NRT; k++)
		install(SIGRTMIN + k);
	main_thread = pthread_self();
	/* phase 1: to itself, from main */
	for (int i = 0; i < ROUNDS; i++) {
		send_usr1(main_thread);
		send_rt_all(main_thread);
	}
	/* phase 2: to main while it waits for a lock */
	pthread_t th;
	pthread_create(&th, NULL, signalling_holder, NULL);
	sem_wait(&holder_ready);
	pthread_mutex_lock(&sig_lock);
	pthread_mutex_unlock(&sig_lock);
	pthread_join(th, NULL);
	sleep_ms(50);  /* queued signals still in flight are delivered on the way */
	printf("api_wdsig: usr1=%d", atomic_load(&usr1_count));
	for (int k = 0; k < NRT; k++)
		printf(" rt%d=%d", k, atomic_load(&rt_count[k]));
	printf("\n");
	return 0;
}

static void *sleeping_holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sig_lock);
	sem_post(&holder_ready);
	for (;;)
		sleep(1); /* holds sig_lock forever */
	return NULL;
}

static int run_all(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_any_rt;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	int n = 0;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (sigaction(sig, &sa, NULL) == 0)
			n++;
	printf("api_wdsig: %d real-time handlers\n", n);
	fflush(stdout);
	pthread_t th;
	pthread_create(&th, NULL, sleeping_holder, NULL);
	sem_wait(&holder_ready);
	pthread_mutex_lock(&sig_lock); /* waits forever */
	printf("api_wdsig: not reached\n");
	return 0;
}

int main(int argc, char **argv)
{
	sem_init(&holder_ready, 0, 0);
	if (argc > 1 && strcmp(argv[1], "all") == 0)
		return run_all();
	return run_count();
}
