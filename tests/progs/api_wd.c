/* Watchdog scenarios.  A holder thread takes wd_lock and then does something slow while main waits for
 * wd_lock in wait_for_lock().
 * Usage: api_wd MODE [SECS]
 *   pipe       the holder blocks in read() on a pipe nobody writes (forever)
 *   sleep      the holder sleeps in a loop of sleep(1) (forever)
 *   nanosleep  the holder sleeps in a loop of nanosleep(0.2 s) (forever)
 *   spin       the holder spins on a volatile counter (forever)
 *   holdfor S  the holder sleeps S seconds, then unlocks: main gets the lock and the program ends
 *   brief      a correct program: a 0.3 s lock hold, a 0.3 s condition wait and a 0.3 s join
 *   trivial    lock and unlock once, exit at once */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t brief_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t brief_cond = PTHREAD_COND_INITIALIZER;
static int brief_flag;
static sem_t holder_has_lock;
static int wd_pipe[2];
static volatile unsigned long spin_counter;
static volatile int keep_spinning = 1;
static double hold_secs;

static void sleep_for(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void hold_and_read(void)
{
	pthread_mutex_lock(&wd_lock);
	sem_post(&holder_has_lock);
	char c;
	ssize_t n = read(wd_pipe[0], &c, 1); /* holder: blocked in read */
	(void)n;
	pthread_mutex_unlock(&wd_lock);
}

static void hold_and_sleep(void)
{
	pthread_mutex_lock(&wd_lock);
	sem_post(&holder_has_lock);
	for (;;)
		sleep(1); /* holder: sleep loop */
}

static void hold_and_nanosleep(void)
{
	pthread_mutex_lock(&wd_lock);
	sem_post(&holder_has_lock);
	for (;;) {
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL); /* holder: nanosleep loop */
	}
}

static void hold_and_spin(void)
{
	pthread_mutex_lock(&wd_lock);
	sem_post(&holder_has_lock);
	while (keep_spinning) spin_counter++; /* holder: busy loop */
	pthread_mutex_unlock(&wd_lock);
}

static void hold_for_a_while(void)
{
	pthread_mutex_lock(&wd_lock);
	sem_post(&holder_has_lock);
	sleep_for(hold_secs); /* holder: sleeps, then unlocks */
	pthread_mutex_unlock(&wd_lock);
}

static void *holder(void *arg)
{
	const char *mode = arg;
	if (strcmp(mode, "pipe") == 0)
		hold_and_read();
	else if (strcmp(mode, "sleep") == 0)
		hold_and_sleep();
	else if (strcmp(mode, "nanosleep") == 0)
		hold_and_nanosleep();
	else if (strcmp(mode, "spin") == 0)
		hold_and_spin();
	else
		hold_for_a_while();
	return NULL;
}

static void wait_for_lock(void)
{
	pthread_mutex_lock(&wd_lock); /* main: waits for the holder */
	printf("api_wd: main got the lock\n");
	pthread_mutex_unlock(&wd_lock);
}

static void *brief_signaller(void *arg)
{
	(void)arg;
	sleep_for(0.3);
	pthread_mutex_lock(&brief_lock);
	brief_flag = 1;
	pthread_cond_signal(&brief_cond);
	pthread_mutex_unlock(&brief_lock);
	sleep_for(0.3); /* main joins meanwhile */
	return NULL;
}

static int run_brief(void)
{
	pthread_t th;
	/* 0.3 s lock hold */
	hold_secs = 0.3;
	pthread_create(&th, NULL, holder, "holdfor");
	sem_wait(&holder_has_lock);
	wait_for_lock();
	pthread_join(th, NULL);
	/* 0.3 s condition wait, then a 0.3 s join */
	pthread_create(&th, NULL, brief_signaller, NULL);
	pthread_mutex_lock(&brief_lock);
	while (!brief_flag)
		pthread_cond_wait(&brief_cond, &brief_lock);
	pthread_mutex_unlock(&brief_lock);
	printf("api_wd: condition signalled\n");
	pthread_join(th, NULL);
	printf("api_wd: brief done\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "trivial";
	setvbuf(stdout, NULL, _IONBF, 0);
	sem_init(&holder_has_lock, 0, 0);
	if (pipe(wd_pipe) != 0)
		return 1;
	if (strcmp(mode, "trivial") == 0) {
		pthread_mutex_lock(&wd_lock);
		pthread_mutex_unlock(&wd_lock);
		printf("api_wd: trivial done\n");
		return 0;
	}
	if (strcmp(mode, "brief") == 0)
		return run_brief();
	if (strcmp(mode, "holdfor") == 0)
		hold_secs = argc > 2 ? atof(argv[2]) : 1.0;
	pthread_t th;
	pthread_create(&th, NULL, holder, (void *)mode);
	pthread_setname_np(th, "holder");
	while (sem_wait(&holder_has_lock) != 0)
		;
	printf("api_wd: holder has the lock\n");
	wait_for_lock();
	pthread_join(th, NULL);
	printf("api_wd: done\n");
	return 0;
}
