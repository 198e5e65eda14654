/* Locks coffman cannot interpose, annotated with <coffman/annotate.h>: a ticket spinlock on C11
 * atomics and a futex lock (the waiter sleeps in the kernel).  One scenario per argument:
 *
 *   inversion    two threads, one after the other, take two spinlocks in opposite orders
 *   doublelock   a thread takes its own spinlock again (it would spin forever)
 *   recursive    the same with a lock created recursive: fine
 *   badunlock    a thread releases a spinlock another thread holds
 *   trylock      a successful try-lock of the second lock makes no edge: no inversion
 *   deadlock     two threads each hold one spinlock and wait for the other's: a real deadlock
 *   futex        the same with two futex locks (the waiters sleep)
 *   hang         one thread holds a futex lock and waits on a pipe forever; another waits for the lock
 *   destroy      a locked spinlock is destroyed
 *   upgrade      a reader-writer lock (annotations only): two read holds nest, then a write request
 *                while reading waits for itself
 *   contended    three threads take both spinlocks, then both futex locks, always in the same order,
 *                many times: contention, waits, no deadlock and nothing to report
 *
 * Without coffman every scenario but the deadlocks and the hang runs to "done".
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <coffman/annotate.h>

/* ---- a ticket spinlock ---- */

struct ticket {
	atomic_uint next, serving;
};

static void ticket_init(struct ticket *l, unsigned flags)
{
	atomic_init(&l->next, 0);
	atomic_init(&l->serving, 0);
	COFFMAN_LOCK_CREATED(l, "ticket spinlock", flags);
}

static void ticket_lock(struct ticket *l)
{
	COFFMAN_LOCK_ACQUIRING(l, 0);
	unsigned me = atomic_fetch_add(&l->next, 1);
	if (atomic_load(&l->serving) != me) {
		COFFMAN_LOCK_WAIT_BEGIN(l);
		while (atomic_load(&l->serving) != me)
			sched_yield();
		COFFMAN_LOCK_WAIT_END(l);
	}
	COFFMAN_LOCK_ACQUIRED(l, 0);
}

static int ticket_trylock(struct ticket *l)
{
	unsigned me = atomic_load(&l->serving);
	unsigned expected = me;
	if (!atomic_compare_exchange_strong(&l->next, &expected, me + 1))
		return 0;
	COFFMAN_LOCK_ACQUIRED(l, COFFMAN_ANNOTATE_TRY);
	return 1;
}

static void ticket_unlock(struct ticket *l)
{
	COFFMAN_LOCK_RELEASING(l, 0);
	atomic_fetch_add(&l->serving, 1);
}

static void ticket_destroy(struct ticket *l)
{
	COFFMAN_LOCK_DESTROYED(l);
}

/* ---- a futex lock (0 free, 1 taken, 2 taken with waiters) ---- */

struct flock {
	atomic_int word;
};

static void flock_init(struct flock *l)
{
	atomic_init(&l->word, 0);
	COFFMAN_LOCK_CREATED(l, "futex lock", 0);
}

static void flock_lock(struct flock *l)
{
	COFFMAN_LOCK_ACQUIRING(l, 0);
	int c = 0;
	if (!atomic_compare_exchange_strong(&l->word, &c, 1)) {
		COFFMAN_LOCK_WAIT_BEGIN(l);
		if (c != 2)
			c = atomic_exchange(&l->word, 2);
		while (c != 0) {
			syscall(SYS_futex, &l->word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
			c = atomic_exchange(&l->word, 2);
		}
		COFFMAN_LOCK_WAIT_END(l);
	}
	COFFMAN_LOCK_ACQUIRED(l, 0);
}

static void flock_unlock(struct flock *l)
{
	COFFMAN_LOCK_RELEASING(l, 0);
	if (atomic_exchange(&l->word, 0) == 2)
		syscall(SYS_futex, &l->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- scenarios ---- */

static struct ticket queue_lock, stats_lock;
static struct flock index_lock, cache_lock;
static pthread_barrier_t both_hold;

static void *lock_queue_then_stats(void *arg)
{
	(void)arg;
	ticket_lock(&queue_lock);
	ticket_lock(&stats_lock); /* inversion: queue -> stats */
	ticket_unlock(&stats_lock);
	ticket_unlock(&queue_lock);
	return NULL;
}

static void *lock_stats_then_queue(void *arg)
{
	(void)arg;
	ticket_lock(&stats_lock);
	ticket_lock(&queue_lock); /* inversion: stats -> queue */
	ticket_unlock(&queue_lock);
	ticket_unlock(&stats_lock);
	return NULL;
}

static void *try_stats_under_queue(void *arg)
{
	(void)arg;
	ticket_lock(&stats_lock);
	if (ticket_trylock(&queue_lock)) /* a try-lock never waits: no edge */
		ticket_unlock(&queue_lock);
	ticket_unlock(&stats_lock);
	return NULL;
}

static void run_one(void *(*fn)(void *))
{
	pthread_t th;
	pthread_create(&th, NULL, fn, NULL);
	pthread_join(th, NULL);
}

static void *deadlock_queue_side(void *arg)
{
	(void)arg;
	ticket_lock(&queue_lock);
	pthread_barrier_wait(&both_hold);
	ticket_lock(&stats_lock); /* deadlock: queue side waits */
	return NULL;
}

static void *deadlock_stats_side(void *arg)
{
	(void)arg;
	ticket_lock(&stats_lock);
	pthread_barrier_wait(&both_hold);
	ticket_lock(&queue_lock); /* deadlock: stats side waits */
	return NULL;
}

static void *futex_index_side(void *arg)
{
	(void)arg;
	flock_lock(&index_lock);
	pthread_barrier_wait(&both_hold);
	flock_lock(&cache_lock); /* futex deadlock: index side waits */
	return NULL;
}

static void *futex_cache_side(void *arg)
{
	(void)arg;
	flock_lock(&cache_lock);
	pthread_barrier_wait(&both_hold);
	flock_lock(&index_lock); /* futex deadlock: cache side waits */
	return NULL;
}

static int never_written[2];

static void *hold_and_read(void *arg)
{
	(void)arg;
	char c;
	flock_lock(&index_lock);
	pthread_barrier_wait(&both_hold);
	if (read(never_written[0], &c, 1) < 0) /* hang: the holder waits on a pipe */
		perror("read");
	flock_unlock(&index_lock);
	return NULL;
}

static void *release_other(void *arg)
{
	(void)arg;
	ticket_unlock(&queue_lock); /* bad unlock: main holds it */
	return NULL;
}

static void *same_order_many_times(void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++) {
		ticket_lock(&queue_lock);
		ticket_lock(&stats_lock);
		sched_yield();  /* let the others find both locks taken */
		ticket_unlock(&stats_lock);
		ticket_unlock(&queue_lock);
		flock_lock(&index_lock);
		flock_lock(&cache_lock);
		sched_yield();
		flock_unlock(&cache_lock);
		flock_unlock(&index_lock);
	}
	return NULL;
}

static void pair(void *(*a)(void *), void *(*b)(void *))
{
	pthread_t ta, tb;
	pthread_barrier_init(&both_hold, NULL, 2);
	pthread_create(&ta, NULL, a, NULL);
	pthread_create(&tb, NULL, b, NULL);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int recursive = strcmp(mode, "recursive") == 0;
	ticket_init(&queue_lock, recursive ? COFFMAN_ANNOTATE_RECURSIVE : 0);
	ticket_init(&stats_lock, 0);
	flock_init(&index_lock);
	flock_init(&cache_lock);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "inversion") == 0) {
		run_one(lock_queue_then_stats);
		run_one(lock_stats_then_queue);
	} else if (strcmp(mode, "doublelock") == 0 || recursive) {
		ticket_lock(&queue_lock);
		printf("%s: locking again\n", mode);
		if (recursive) {
			COFFMAN_LOCK_ACQUIRING(&queue_lock, 0); /* recursive: nested hold */
			COFFMAN_LOCK_ACQUIRED(&queue_lock, 0);
			COFFMAN_LOCK_RELEASING(&queue_lock, 0);
		} else {
			ticket_lock(&queue_lock); /* doublelock: second lock */
		}
		ticket_unlock(&queue_lock);
	} else if (strcmp(mode, "badunlock") == 0) {
		ticket_lock(&queue_lock); /* badunlock: main takes it */
		run_one(release_other);
		/* The ticket lock is free now (the other thread released it): nothing more to unlock. */
	} else if (strcmp(mode, "trylock") == 0) {
		run_one(lock_queue_then_stats);
		run_one(try_stats_under_queue);
	} else if (strcmp(mode, "deadlock") == 0) {
		pair(deadlock_queue_side, deadlock_stats_side);
	} else if (strcmp(mode, "futex") == 0) {
		pair(futex_index_side, futex_cache_side);
	} else if (strcmp(mode, "hang") == 0) {
		pthread_t th;
		if (pipe(never_written) != 0)
			return 1;
		pthread_barrier_init(&both_hold, NULL, 2);
		pthread_create(&th, NULL, hold_and_read, NULL);
		pthread_barrier_wait(&both_hold);
		flock_lock(&index_lock); /* hang: main waits for the holder */
		pthread_join(th, NULL);
	} else if (strcmp(mode, "upgrade") == 0) {
		static int rwlock;      /* stands for a reader-writer lock of the program's own */
		COFFMAN_LOCK_CREATED(&rwlock, "own rwlock", 0);
		COFFMAN_LOCK_ACQUIRING(&rwlock, COFFMAN_ANNOTATE_SHARED);
		COFFMAN_LOCK_ACQUIRED(&rwlock, COFFMAN_ANNOTATE_SHARED);
		COFFMAN_LOCK_ACQUIRING(&rwlock, COFFMAN_ANNOTATE_SHARED); /* upgrade: second read hold */
		COFFMAN_LOCK_ACQUIRED(&rwlock, COFFMAN_ANNOTATE_SHARED);
		printf("%s: read twice, now writing\n", mode);
		COFFMAN_LOCK_ACQUIRING(&rwlock, 0); /* upgrade: write while reading */
	} else if (strcmp(mode, "contended") == 0) {
		pthread_t th[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&th[i], NULL, same_order_many_times, NULL);
		for (int i = 0; i < 3; i++)
			pthread_join(th[i], NULL);
	} else if (strcmp(mode, "destroy") == 0) {
		ticket_lock(&stats_lock);
		ticket_destroy(&stats_lock); /* destroy: still locked */
	} else {
		fprintf(stderr, "usage: annotate_locks inversion|doublelock|recursive|badunlock|trylock|deadlock|futex|hang|destroy|contended|upgrade\n");
		return 2;
	}
	printf("%s: done\n", mode);
	return 0;
}
