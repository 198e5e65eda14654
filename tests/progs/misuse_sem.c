/* Semaphores and barriers under the checker: clean uses, waits nobody can end, misuse.
 *
 *   pingpong            two threads hand a token back and forth through two semaphores (sem_wait,
 *                       sem_timedwait, sem_clockwait, sem_trywait): clean
 *   barrier-rounds      three threads meet at a barrier for 200 rounds: clean
 *   never-posted        a worker waits for a job on a semaphore nobody posts; main joins it: every
 *                       thread blocked, a deadlock (without the watchdog)
 *   many-stuck          as never-posted with 80 workers: all 81 threads blocked, more than a report
 *                       shows (main first)
 *   barrier-short       a barrier for 3, but only main and one worker arrive: a deadlock
 *   pshared-stuck       as never-posted, on a process-shared semaphore: never proof of a deadlock (the
 *                       watchdog reports a hang)
 *   named-stuck         as never-posted, on a named semaphore: a hang, named by its name
 *   barrier-stuck       a barrier for 3, two workers arrive, a ticker keeps running, main joins them: a
 *                       hang naming the barrier and the count of threads arrived
 *   post-after-destroy  sem_post on a destroyed semaphore
 *   destroy-waited      sem_destroy while a worker waits on the semaphore (its timed wait ends it)
 *   reinit-waited       sem_init while a worker waits on the semaphore
 *   init-fails          sem_init with a value above SEM_VALUE_MAX
 *   close-twice         sem_close of a named semaphore after its last sem_close
 *   idle-cond           a worker waits on a condition variable holding nothing, nobody joins it;
 *                       main sleeps 2.5 s, then ends the process: idle, not a hang
 *   idle-sem            the same with a semaphore wait
 *   holding-cond        a worker waits on a condition variable while it holds another lock: a hang
 *   handler-posts       the only thread waits on a semaphore that a SIGALRM handler posts 130 ms
 *                       later (sem_post is async-signal-safe), 5 rounds: the post lands while the
 *                       waiter, between two slices of its wait, looks for a deadlock: clean
 *   handler-posts-late  the same, posted 600 ms later, once: the waiter has looked for a deadlock
 *                       several times by then, and a handler may post: clean
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sem_t ping_sem, pong_sem;
static sem_t job_sem;
static sem_t *job_named;
static pthread_barrier_t meet_barrier;
static pthread_mutex_t quiet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static int work_ready;

#define ROUNDS 2000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* ---- clean ---- */

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (i % 3 == 0) {
			while (sem_wait(&ping_sem) != 0)
				;
		} else if (i % 3 == 1) {
			struct timespec ts = in_ms(CLOCK_REALTIME, 5000);
			if (sem_timedwait(&ping_sem, &ts) != 0) {
				perror("sem_timedwait");
				exit(1);
			}
		} else {
			struct timespec ts = in_ms(CLOCK_MONOTONIC, 5000);
			if (sem_clockwait(&ping_sem, CLOCK_MONOTONIC, &ts) != 0) {
				perror("sem_clockwait");
				exit(1);
			}
		}
		sem_post(&pong_sem);
	}
	return NULL;
}

static int run_pingpong(void)
{
	sem_init(&ping_sem, 0, 0);
	sem_init(&pong_sem, 0, 0);
	pthread_t th;
	pthread_create(&th, NULL, ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		sem_post(&ping_sem);
		if (i % 2 == 0) {
			while (sem_wait(&pong_sem) != 0)
				;
		} else {
			while (sem_trywait(&pong_sem) != 0)
				sched_yield();
		}
	}
	pthread_join(th, NULL);
	/* A timed wait that times out, and one on a deadline already past. */
	struct timespec ts = in_ms(CLOCK_REALTIME, 150);
	int rc = sem_timedwait(&ping_sem, &ts);
	int timed_out = rc == -1 && errno == ETIMEDOUT;
	ts.tv_sec -= 10;
	rc = sem_timedwait(&ping_sem, &ts);
	timed_out += rc == -1 && errno == ETIMEDOUT;
	sem_destroy(&ping_sem);
	sem_destroy(&pong_sem);
	printf("misuse_sem: pingpong %d rounds, %d timeouts\n", ROUNDS, timed_out);
	return 0;
}

static int rounds_done[3];

static void *meeter(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&quiet_lock);
		rounds_done[me]++;
		pthread_mutex_unlock(&quiet_lock);
		pthread_barrier_wait(&meet_barrier);
	}
	return NULL;
}

static int run_barrier_rounds(void)
{
	pthread_barrier_init(&meet_barrier, NULL, 3);
	pthread_t th[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, meeter, (void *)(i + 1));
	meeter((void *)0L);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&meet_barrier);
	printf("misuse_sem: barrier %d %d %d rounds\n", rounds_done[0], rounds_done[1], rounds_done[2]);
	return 0;
}

/* ---- nobody posts, nobody arrives ---- */

static void *job_worker(void *arg)
{
	sem_t *s = arg;
	while (sem_wait(s) != 0) /* worker: waits for a job */
		;
	printf("misuse_sem: not reached\n");
	return NULL;
}

static void *ticker(void *arg)
{
	(void)arg;
	for (;;)
		sleep_ms(100);  /* alive: the process is never "all blocked" */
	return NULL;
}

static void start_ticker(void)
{
	pthread_t th;
	pthread_create(&th, NULL, ticker, NULL);
	pthread_detach(th);
}

static int run_many_stuck(void)
{
	pthread_t th[80];
	sem_init(&job_sem, 0, 0);
	for (int i = 0; i < 80; i++)
		pthread_create(&th[i], NULL, job_worker, &job_sem);
	pthread_join(th[0], NULL); /* main: waits for the first of 80 workers */
	printf("misuse_sem: not reached\n");
	return 0;
}

static int run_job_stuck(sem_t *s, int with_ticker)
{
	if (with_ticker)
		start_ticker();
	pthread_t th;
	pthread_create(&th, NULL, job_worker, s);
	pthread_join(th, NULL); /* main: waits for the worker */
	printf("misuse_sem: not reached\n");
	return 0;
}

static void *barrier_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&meet_barrier); /* worker: waits for the third thread */
	printf("misuse_sem: not reached\n");
	return NULL;
}

static int run_barrier_short(void)
{
	pthread_barrier_init(&meet_barrier, NULL, 3);
	pthread_t th;
	pthread_create(&th, NULL, barrier_worker, NULL);
	pthread_barrier_wait(&meet_barrier); /* main: the second of three */
	printf("misuse_sem: not reached\n");
	return 0;
}

static int run_barrier_stuck(void)
{
	pthread_barrier_init(&meet_barrier, NULL, 3);
	start_ticker();
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, barrier_worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("misuse_sem: not reached\n");
	return 0;
}

/* ---- misuse ---- */

static void *timed_waiter(void *arg)
{
	(void)arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 1500);
	int rc = sem_timedwait(&job_sem, &ts); /* waiter: gives up after 1.5 s */
	printf("misuse_sem: waiter %s\n", rc == 0 ? "got it" : errno == ETIMEDOUT ? "timed out" : strerror(errno));
	return NULL;
}

static int run_waited(int reinit)
{
	sem_init(&job_sem, 0, 0);
	pthread_t th;
	pthread_create(&th, NULL, timed_waiter, NULL);
	sleep_ms(400);
	if (reinit)
		sem_init(&job_sem, 0, 0); /* main: re-initialised under the waiter */
	else
		sem_destroy(&job_sem); /* main: destroyed under the waiter */
	pthread_join(th, NULL);
	return 0;
}

static int run_post_after_destroy(void)
{
	sem_init(&job_sem, 0, 1);
	sem_destroy(&job_sem); /* destroyed here */
	sem_post(&job_sem); /* posted after the destroy */
	sem_trywait(&job_sem); /* the same bug again: not a second report */
	printf("misuse_sem: posted after destroy\n");
	return 0;
}

static int run_init_fails(void)
{
	int rc = sem_init(&job_sem, 0, (unsigned)SEM_VALUE_MAX + 1u); /* fails: EINVAL */
	printf("misuse_sem: sem_init returned %d (%s)\n", rc, rc ? strerror(errno) : "ok");
	return 0;
}

static int run_close_twice(void)
{
	char name[64];
	snprintf(name, sizeof name, "/coffman-misuse-%d", (int)getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	if (s == SEM_FAILED) {
		perror("sem_open");
		return 1;
	}
	sem_unlink(name);
	sem_t *again = sem_open(name, O_CREAT, 0600, 1); /* a new one: the name was unlinked */
	sem_unlink(name); /* not left in /dev/shm: a later run with this pid would fail O_EXCL */
	sem_close(again);
	sem_close(s); /* the last close */
	int rc = sem_close(s); /* closed again */
	printf("misuse_sem: second sem_close returned %d\n", rc);
	return 0;
}

/* ---- idle or not ---- */

static void *cond_sleeper(void *arg)
{
	int holding = arg != NULL;
	if (holding)
		pthread_mutex_lock(&config_lock); /* held through the wait */
	pthread_mutex_lock(&quiet_lock);
	while (!work_ready)
		pthread_cond_wait(&work_cond, &quiet_lock); /* sleeper: waits for work */
	pthread_mutex_unlock(&quiet_lock);
	return NULL;
}

static void *sem_sleeper(void *arg)
{
	(void)arg;
	while (sem_wait(&job_sem) != 0) /* sleeper: waits for a job */
		;
	return NULL;
}

static int run_idle(void *(*sleeper)(void *), void *arg)
{
	sem_init(&job_sem, 0, 0);
	pthread_t th;
	pthread_create(&th, NULL, sleeper, arg);
	pthread_setname_np(th, "sleeper");
	sleep_ms(2500);
	printf("misuse_sem: idle done\n");
	fflush(stdout);
	exit(0);
}

/* ---- a post from a signal handler ---- */

static void post_job(int sig)
{
	(void)sig;
	sem_post(&job_sem);
}

static int run_handler_posts(long delay_us, int rounds_wanted)
{
	sem_init(&job_sem, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = post_job;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	int rounds = 0;
	for (; rounds < rounds_wanted; rounds++) {
		struct itimerval later = { { 0, 0 }, { 0, delay_us } };
		setitimer(ITIMER_REAL, &later, NULL);
		while (sem_wait(&job_sem) != 0) /* posted by post_job */
			if (errno != EINTR) {
				perror("sem_wait");
				return 1;
			}
	}
	printf("misuse_sem: %d posts from a handler\n", rounds);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "pingpong") == 0)
		return run_pingpong();
	if (strcmp(mode, "barrier-rounds") == 0)
		return run_barrier_rounds();
	if (strcmp(mode, "never-posted") == 0) {
		sem_init(&job_sem, 0, 0); /* the job queue: nothing posted yet */
		return run_job_stuck(&job_sem, 0);
	}
	if (strcmp(mode, "pshared-stuck") == 0) {
		sem_init(&job_sem, 1, 0);
		return run_job_stuck(&job_sem, 0);
	}
	if (strcmp(mode, "named-stuck") == 0) {
		char name[64];
		snprintf(name, sizeof name, "/coffman-jobs-%d", (int)getpid());
		job_named = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
		if (job_named == SEM_FAILED) {
			perror("sem_open");
			return 1;
		}
		sem_unlink(name);
		return run_job_stuck(job_named, 0);
	}
	if (strcmp(mode, "many-stuck") == 0)
		return run_many_stuck();
	if (strcmp(mode, "barrier-short") == 0)
		return run_barrier_short();
	if (strcmp(mode, "barrier-stuck") == 0)
		return run_barrier_stuck();
	if (strcmp(mode, "post-after-destroy") == 0)
		return run_post_after_destroy();
	if (strcmp(mode, "destroy-waited") == 0)
		return run_waited(0);
	if (strcmp(mode, "reinit-waited") == 0)
		return run_waited(1);
	if (strcmp(mode, "init-fails") == 0)
		return run_init_fails();
	if (strcmp(mode, "close-twice") == 0)
		return run_close_twice();
	if (strcmp(mode, "idle-cond") == 0)
		return run_idle(cond_sleeper, NULL);
	if (strcmp(mode, "idle-sem") == 0)
		return run_idle(sem_sleeper, NULL);
	if (strcmp(mode, "holding-cond") == 0)
		return run_idle(cond_sleeper, (void *)1);
	if (strcmp(mode, "handler-posts") == 0)
		return run_handler_posts(130000, 5);
	if (strcmp(mode, "handler-posts-late") == 0)
		return run_handler_posts(600000, 1);
	fprintf(stderr, "usage: misuse_sem MODE\n");
	return 2;
}
