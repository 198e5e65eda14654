/* Read-write locks.  Usage: api_rwlock MODE
 *   inversion      read_then_mutex: rdlock table_rwlock, lock stats_mutex; then (another thread)
 *                  mutex_then_write: lock stats_mutex, wrlock table_rwlock
 *   upgrade        rdlock then wrlock of upgrade_rwlock in the same thread (hangs natively)
 *   write_read     wrlock then rdlock of wr_rwlock: the rdlock returns EDEADLK, the program goes on
 *   recursive_read two rdlocks of a default rwlock (fine)
 *   prefer_writer  two rdlocks of a PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP rwlock
 *   unlock_unheld  unlock of never_locked_rwlock, which nobody holds
 *   timed          timedrdlock, timedwrlock, clockrdlock, clockwrlock that time out (another thread
 *                  write-holds busy_rwlock), in a thread that then exits; then successful
 *                  clockwrlock/clockrdlock/timed*lock; nothing may be left held */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_rwlock_t table_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t stats_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t upgrade_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t wr_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t reread_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t writer_pref_rwlock;
static pthread_rwlock_t never_locked_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t busy_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t after_mutex = PTHREAD_MUTEX_INITIALIZER;
static sem_t busy_held, busy_release;
static int table_rows, stats_hits;

static const char *errname(int rc)
{
	switch (rc) {
	case 0: return "0";
	case EDEADLK: return "EDEADLK";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EBUSY: return "EBUSY";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	default: return strerror(rc);
	}
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

static void *read_then_mutex(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&table_rwlock); /* hold table for reading */
	pthread_mutex_lock(&stats_mutex); /* edge table->stats */
	stats_hits += table_rows;
	pthread_mutex_unlock(&stats_mutex);
	pthread_rwlock_unlock(&table_rwlock);
	return NULL;
}

static void *mutex_then_write(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&stats_mutex); /* hold stats */
	pthread_rwlock_wrlock(&table_rwlock); /* edge stats->table */
	table_rows++;
	pthread_rwlock_unlock(&table_rwlock);
	pthread_mutex_unlock(&stats_mutex);
	return NULL;
}

static int run_inversion(void)
{
	pthread_t th;
	pthread_create(&th, NULL, read_then_mutex, NULL);
	pthread_join(th, NULL);
	pthread_create(&th, NULL, mutex_then_write, NULL);
	pthread_join(th, NULL);
	printf("api_rwlock: inversion done rows=%d\n", table_rows);
	return 0;
}

static void upgrade_entry(void)
{
	pthread_rwlock_rdlock(&upgrade_rwlock); /* upgrade: read lock */
	printf("api_rwlock: upgrading\n");
	fflush(stdout);
	pthread_rwlock_wrlock(&upgrade_rwlock); /* upgrade: write lock */
	printf("api_rwlock: not reached\n");
}

static void write_then_read(void)
{
	pthread_rwlock_wrlock(&wr_rwlock); /* write_read: write lock */
	int rc = pthread_rwlock_rdlock(&wr_rwlock); /* write_read: read lock */
	printf("api_rwlock: rdlock while write-holding returned %s\n", errname(rc));
	pthread_rwlock_unlock(&wr_rwlock);
	rc = pthread_rwlock_wrlock(&wr_rwlock);
	printf("api_rwlock: wrlock after unlock returned %s\n", errname(rc));
	pthread_rwlock_unlock(&wr_rwlock);
	printf("api_rwlock: write_read done\n");
}

static void read_twice(pthread_rwlock_t *rw)
{
	int rc1 = pthread_rwlock_rdlock(rw); /* read twice: first */
	int rc2 = pthread_rwlock_rdlock(rw); /* read twice: second */
	printf("api_rwlock: read locks returned %s %s\n", errname(rc1), errname(rc2));
	pthread_rwlock_unlock(rw);
	pthread_rwlock_unlock(rw);
}

static void unlock_unheld(void)
{
	int rc = pthread_rwlock_unlock(&never_locked_rwlock); /* unlock: not held */
	printf("api_rwlock: unlock of an unheld rwlock returned %s\n", errname(rc));
}

static void *busy_writer(void *arg)
{
	(void)arg;
	pthread_rwlock_wrlock(&busy_rwlock);
	sem_post(&busy_held);
	sem_wait(&busy_release);
	pthread_rwlock_unlock(&busy_rwlock);
	return NULL;
}

static void *try_timed(void *arg)
{
	(void)arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 100);
	printf("api_rwlock: timedrdlock returned %s\n", errname(pthread_rwlock_timedrdlock(&busy_rwlock, &ts)));
	ts = in_ms(CLOCK_REALTIME, 100);
	printf("api_rwlock: timedwrlock returned %s\n", errname(pthread_rwlock_timedwrlock(&busy_rwlock, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 100);
	printf("api_rwlock: clockrdlock returned %s\n",
	       errname(pthread_rwlock_clockrdlock(&busy_rwlock, CLOCK_MONOTONIC, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 100);
	printf("api_rwlock: clockwrlock returned %s\n",
	       errname(pthread_rwlock_clockwrlock(&busy_rwlock, CLOCK_MONOTONIC, &ts)));
	/* a lock taken after the timeouts: no edge busy_rwlock -> after_mutex may exist */
	pthread_mutex_lock(&after_mutex);
	pthread_mutex_unlock(&after_mutex);
	return NULL;
}

static int run_timed(void)
{
	pthread_t w, t;
	pthread_create(&w, NULL, busy_writer, NULL);
	sem_wait(&busy_held);
	pthread_create(&t, NULL, try_timed, NULL);
	pthread_join(t, NULL);
	sem_post(&busy_release);
	pthread_join(w, NULL);
	/* the same calls now succeed, from main */
	struct timespec ts = in_ms(CLOCK_MONOTONIC, 1000);
	int rc = pthread_rwlock_clockwrlock(&busy_rwlock, CLOCK_MONOTONIC, &ts);
	printf("api_rwlock: free clockwrlock returned %s\n", errname(rc));
	pthread_rwlock_unlock(&busy_rwlock);
	ts = in_ms(CLOCK_MONOTONIC, 1000);
	rc = pthread_rwlock_clockrdlock(&busy_rwlock, CLOCK_MONOTONIC, &ts);
	printf("api_rwlock: free clockrdlock returned %s\n", errname(rc));
	pthread_rwlock_unlock(&busy_rwlock);
	ts = in_ms(CLOCK_REALTIME, 1000);
	rc = pthread_rwlock_timedwrlock(&busy_rwlock, &ts);
	printf("api_rwlock: free timedwrlock returned %s\n", errname(rc));
	pthread_rwlock_unlock(&busy_rwlock);
	/* the opposite order to the one a stale hold would have recorded */
	pthread_mutex_lock(&after_mutex);
	ts = in_ms(CLOCK_REALTIME, 1000);
	rc = pthread_rwlock_timedrdlock(&busy_rwlock, &ts);
	printf("api_rwlock: free timedrdlock returned %s\n", errname(rc));
	pthread_rwlock_unlock(&busy_rwlock);
	pthread_mutex_unlock(&after_mutex);
	printf("api_rwlock: timed done\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sem_init(&busy_held, 0, 0);
	sem_init(&busy_release, 0, 0);
	if (strcmp(mode, "inversion") == 0)
		return run_inversion();
	if (strcmp(mode, "upgrade") == 0) {
		upgrade_entry();
		return 0;
	}
	if (strcmp(mode, "write_read") == 0) {
		write_then_read();
		return 0;
	}
	if (strcmp(mode, "recursive_read") == 0) {
		read_twice(&reread_rwlock);
		printf("api_rwlock: recursive_read done\n");
		return 0;
	}
	if (strcmp(mode, "prefer_writer") == 0) {
		pthread_rwlockattr_t attr;
		pthread_rwlockattr_init(&attr);
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&writer_pref_rwlock, &attr); /* prefer_writer: init */
		pthread_rwlockattr_destroy(&attr);
		read_twice(&writer_pref_rwlock);
		printf("api_rwlock: prefer_writer done\n");
		return 0;
	}
	if (strcmp(mode, "unlock_unheld") == 0) {
		unlock_unheld();
		printf("api_rwlock: unlock_unheld done\n");
		return 0;
	}
	if (strcmp(mode, "timed") == 0)
		return run_timed();
	fprintf(stderr, "api_rwlock: unknown mode '%s'\n", mode);
	return 2;
}
