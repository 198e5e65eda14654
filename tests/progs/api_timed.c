/* Timed mutex acquisitions.  Usage: api_timed MODE
 *   timeout     busy_mutex is held by a holder thread; try_timed (another thread) calls
 *               pthread_mutex_timedlock and pthread_mutex_clocklock, both time out, then it takes
 *               after_mutex and exits.  Then main locks after_mutex then busy_mutex.  Nothing may be
 *               left held: no report.
 *   graph       holding acct_a, pthread_mutex_timedlock(acct_b) succeeds; a later thread locks acct_b
 *               then acct_a: a lock-order inversion
 *   graph_clock the same with pthread_mutex_clocklock
 *   self        main holds acct_a and calls pthread_mutex_timedlock(acct_a) with a 100 ms deadline:
 *               a double lock, but one that times out (ETIMEDOUT) instead of hanging; the program
 *               goes on, unlocks acct_a and exits */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t busy_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t after_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t acct_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t acct_b = PTHREAD_MUTEX_INITIALIZER;
static sem_t busy_held, busy_release;
static int use_clock, balance;

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

static const char *errname(int rc)
{
	return rc == 0 ? "0" : rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc);
}

static void *busy_holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&busy_mutex);
	sem_post(&busy_held);
	sem_wait(&busy_release);
	pthread_mutex_unlock(&busy_mutex);
	return NULL;
}

static void *try_timed(void *arg)
{
	(void)arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 100);
	printf("api_timed: timedlock returned %s\n", errname(pthread_mutex_timedlock(&busy_mutex, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 100);
	printf("api_timed: clocklock returned %s\n", errname(pthread_mutex_clocklock(&busy_mutex, CLOCK_MONOTONIC, &ts)));
	pthread_mutex_lock(&after_mutex);
	pthread_mutex_unlock(&after_mutex);
	return NULL;
}

static int run_timeout(void)
{
	pthread_t h, t;
	pthread_create(&h, NULL, busy_holder, NULL);
	sem_wait(&busy_held);
	pthread_create(&t, NULL, try_timed, NULL);
	pthread_join(t, NULL);
	sem_post(&busy_release);
	pthread_join(h, NULL);
	pthread_mutex_lock(&after_mutex);
	pthread_mutex_lock(&busy_mutex);
	pthread_mutex_unlock(&busy_mutex);
	pthread_mutex_unlock(&after_mutex);
	/* and main itself times out once, then locks and unlocks normally */
	pthread_create(&h, NULL, busy_holder, NULL);
	sem_wait(&busy_held);
	struct timespec ts = in_ms(CLOCK_MONOTONIC, 50);
	printf("api_timed: main clocklock returned %s\n", errname(pthread_mutex_clocklock(&busy_mutex, CLOCK_MONOTONIC, &ts)));
	sem_post(&busy_release);
	pthread_join(h, NULL);
	pthread_mutex_lock(&busy_mutex);
	pthread_mutex_unlock(&busy_mutex);
	printf("api_timed: timeout done\n");
	return 0;
}

static void *a_then_timed_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&acct_a); /* hold acct_a */
	int rc;
	if (use_clock) {
		struct timespec ts = in_ms(CLOCK_MONOTONIC, 1000);
		rc = pthread_mutex_clocklock(&acct_b, CLOCK_MONOTONIC, &ts); /* clocklock acct_b */
	} else {
		struct timespec ts = in_ms(CLOCK_REALTIME, 1000);
		rc = pthread_mutex_timedlock(&acct_b, &ts); /* timedlock acct_b */
	}
	if (rc == 0) {
		balance++;
		pthread_mutex_unlock(&acct_b);
	}
	pthread_mutex_unlock(&acct_a);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&acct_b); /* hold acct_b */
	pthread_mutex_lock(&acct_a); /* edge b->a */
	balance++;
	pthread_mutex_unlock(&acct_a);
	pthread_mutex_unlock(&acct_b);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sem_init(&busy_held, 0, 0);
	sem_init(&busy_release, 0, 0);
	if (strcmp(mode, "timeout") == 0)
		return run_timeout();
	if (strcmp(mode, "graph") == 0 || strcmp(mode, "graph_clock") == 0) {
		use_clock = strcmp(mode, "graph_clock") == 0;
		pthread_t th;
		pthread_create(&th, NULL, a_then_timed_b, NULL);
		pthread_join(th, NULL);
		pthread_create(&th, NULL, b_then_a, NULL);
		pthread_join(th, NULL);
		printf("api_timed: %s done balance=%d\n", mode, balance);
		return 0;
	}
	if (strcmp(mode, "self") == 0) {
		pthread_mutex_lock(&acct_a); /* self: first hold */
		struct timespec ts = in_ms(CLOCK_REALTIME, 100);
		int rc = pthread_mutex_timedlock(&acct_a, &ts); /* self: timedlock again */
		printf("api_timed: timedlock of a held mutex returned %s\n", errname(rc));
		pthread_mutex_unlock(&acct_a);
		printf("api_timed: self done\n");
		return 0;
	}
	fprintf(stderr, "api_timed: unknown mode '%s'\n", mode);
	return 2;
}
