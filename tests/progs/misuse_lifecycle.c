/* misuse_lifecycle: the life of locks and condition variables gone wrong, one scenario per mode.
 * Every mode ends by itself natively (waits are timed where a misuse could leave them waiting).
 *
 * exit-holding
 *   exit_return      a worker takes leak_lock in take_and_keep() and returns from its start routine
 *   exit_pthread     a worker takes leak_lock, then calls pthread_exit in quit_early()
 *   exit_cancel_wait a worker waits on ready_cond holding wait_lock, with no cleanup handler; main
 *                    cancels it: the wait takes wait_lock back and the thread ends holding it
 *   exit_cancel_clean the same with a cleanup handler that unlocks wait_lock: clean
 *   exit_robust      a worker ends holding a robust mutex; main gets EOWNERDEAD and repairs it: clean
 *   main_returns     main returns from main holding leak_lock while a worker still runs: clean
 * cond-misuse
 *   cond_unlocked    a timed wait with wait_lock not locked at all
 *   cond_foreign     a timed wait with wait_lock held by another thread
 *   cond_two         T2 waits on shared_cond with first_lock while T3 waits on it with second_lock
 *   cond_destroy     main destroys ready_cond while a worker waits on it (a timed wait: glibc's destroy
 *                    returns once the wait times out)
 *   cond_rwlock      a timed wait whose "mutex" is a write-locked rwlock
 *   cond_clean       signal and broadcast without the mutex; one condition variable used with two
 *                    mutexes one after the other: clean
 * use-after-destroy
 *   uad_mutex        lock a destroyed mutex (glibc: EINVAL), then unlock it
 *   uad_rwlock       read-lock a destroyed rwlock (glibc lets it), unlock it
 *   uad_spin         lock a destroyed spinlock, unlock it
 *   uad_cond         signal a destroyed condition variable, then a timed wait on it
 *   uad_c11          mtx_lock on a destroyed mtx_t
 *   uad_garbage      lock a "mutex" whose memory was never initialised
 *   uad_clean        init, destroy, init again and use: mutex, rwlock, spinlock, mtx_t, condition variable;
 *                    heap rwlocks from PTHREAD_RWLOCK_INITIALIZER destroyed, freed and rebuilt in rounds
 * reinit-live
 *   reinit_static    pthread_mutex_init twice on a static mutex
 *   reinit_locked    main initialises hold_lock again while a worker holds it
 *   reinit_stack     one function initialises its local mutex twice
 *   reinit_cond      main initialises ready_cond again while a worker waits on it
 *   reinit_rwlock    pthread_rwlock_init twice on a static rwlock
 *   reinit_clean     init/destroy/init of every kind, and two functions whose locals share an address
 *   reinit_fork      CPython's after-fork reset: a static mutex, condition variable and semaphore made
 *                    in main, used by a worker that keeps taking the mutex; main forks and the child
 *                    initialises all three again (no destroy), uses them, forks a grandchild that does the
 *                    same, and both _exit(0) (the parent prints their statuses): clean
 *   reinit_fork_twice the same reset in the child, then a second init of the mutex there: reported in
 *                    the child (exit 66), the parent itself clean */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t leak_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t hold_lock;
static pthread_mutex_t robust_lock;
static pthread_mutex_t doomed_mutex;
static pthread_mutex_t twice_mutex;
static pthread_rwlock_t doomed_rwlock;
static pthread_rwlock_t twice_rwlock;
static pthread_rwlock_t table_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t doomed_spin;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t shared_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t doomed_cond;
static mtx_t doomed_mtx;
static sem_t step, done;
static int ready;

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void join(pthread_t th)
{
	pthread_join(th, NULL);
}

/* ---------------------------------------------------------------- exit-holding */

static __attribute__((noinline)) void take_and_keep(void)
{
	pthread_mutex_lock(&leak_lock); /* exit_return: taken, never released */
}

static void *returns_holding(void *arg)
{
	(void)arg;
	take_and_keep();
	return NULL;
}

static __attribute__((noinline)) void quit_early(void)
{
	pthread_exit(NULL); /* exit_pthread: the thread ends here */
}

static void *exits_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&leak_lock); /* exit_pthread: taken */
	quit_early();
	return NULL;
}

static void unlock_on_cancel(void *m)
{
	pthread_mutex_unlock(m);
}

static void *waits_until_cancelled(void *arg)
{
	int clean = arg != NULL;
	pthread_mutex_lock(&wait_lock);
	sem_post(&step);
	if (clean) {
		pthread_cleanup_push(unlock_on_cancel, &wait_lock);
		while (!ready)
			pthread_cond_wait(&ready_cond, &wait_lock);
		pthread_cleanup_pop(1);
	} else {
		while (!ready)
			pthread_cond_wait(&ready_cond, &wait_lock); /* exit_cancel_wait: cancelled here */
		pthread_mutex_unlock(&wait_lock);
	}
	return NULL;
}

static void exit_cancel(int clean)
{
	pthread_t th;
	pthread_create(&th, NULL, waits_until_cancelled, clean ? (void *)1 : NULL);
	sem_wait(&step);
	pthread_mutex_lock(&wait_lock); /* the worker is in its wait now */
	pthread_mutex_unlock(&wait_lock);
	pthread_cancel(th); /* exit_cancel_wait: main cancels the worker */
	join(th);
	int rc = pthread_mutex_trylock(&wait_lock);
	printf("misuse_lifecycle: trylock after the cancel: %s\n", rc == 0 ? "0" : rc == EBUSY ? "EBUSY" : "other");
	if (rc == 0)
		pthread_mutex_unlock(&wait_lock);
}

static void *dies_holding_robust(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust_lock);
	return NULL;
}

static void exit_robust(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_t th;
	pthread_create(&th, NULL, dies_holding_robust, NULL);
	join(th);
	int rc = pthread_mutex_lock(&robust_lock);
	printf("misuse_lifecycle: robust lock returned %s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : "other");
	if (rc == EOWNERDEAD)
		pthread_mutex_consistent(&robust_lock);
	pthread_mutex_unlock(&robust_lock);
	pthread_mutex_destroy(&robust_lock);
}

static void *runs_on(void *arg)
{
	(void)arg;
	for (;;)
		sleep(1);
	return NULL;
}

/* ---------------------------------------------------------------- cond-misuse */

static void cond_unlocked(void)
{
	struct timespec ts;
	deadline_in(&ts, 50);
	int rc = pthread_cond_timedwait(&ready_cond, &wait_lock, &ts); /* cond_unlocked: wait_lock not locked */
	printf("misuse_lifecycle: timedwait returned %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "other");
	pthread_mutex_unlock(&wait_lock);
}

static void *holds_wait_lock(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wait_lock); /* cond_foreign: the worker holds it */
	sem_post(&step);
	sem_wait(&done);
	return NULL;
}

static void cond_foreign(void)
{
	pthread_t th;
	pthread_create(&th, NULL, holds_wait_lock, NULL);
	sem_wait(&step);
	struct timespec ts;
	deadline_in(&ts, 50);
	pthread_cond_timedwait(&ready_cond, &wait_lock, &ts); /* cond_foreign: held by the worker */
	pthread_mutex_unlock(&wait_lock);
	sem_post(&done);
	join(th);
}

static void *waits_with(void *arg)
{
	pthread_mutex_t *m = arg;
	struct timespec ts;
	pthread_mutex_lock(m);
	sem_post(&step);
	deadline_in(&ts, 2000);
	while (!ready && pthread_cond_timedwait(&shared_cond, m, &ts) == 0) /* cond_two: waits with its mutex */
		;
	pthread_mutex_unlock(m);
	return NULL;
}

static void cond_two(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, waits_with, &first_lock);
	sem_wait(&step);
	pthread_mutex_lock(&first_lock); /* T2 is in its wait now */
	pthread_mutex_unlock(&first_lock);
	pthread_create(&b, NULL, waits_with, &second_lock);
	sem_wait(&step);
	pthread_mutex_lock(&second_lock);
	pthread_mutex_unlock(&second_lock);
	pthread_mutex_lock(&first_lock);
	ready = 1;
	pthread_mutex_unlock(&first_lock);
	pthread_cond_broadcast(&shared_cond);
	join(a);
	join(b);
}

static void *waits_on_doomed(void *arg)
{
	(void)arg;
	struct timespec ts;
	pthread_mutex_lock(&wait_lock);
	sem_post(&step);
	deadline_in(&ts, 1000);
	pthread_cond_timedwait(&doomed_cond, &wait_lock, &ts); /* cond_destroy: the worker waits */
	pthread_mutex_unlock(&wait_lock);
	return NULL;
}

static void cond_destroy(void)
{
	pthread_t th;
	pthread_cond_init(&doomed_cond, NULL);
	pthread_create(&th, NULL, waits_on_doomed, NULL);
	sem_wait(&step);
	pthread_mutex_lock(&wait_lock);
	pthread_mutex_unlock(&wait_lock);
	pthread_cond_destroy(&doomed_cond); /* cond_destroy: destroyed while waited on */
	join(th);
}

static void cond_rwlock(void)
{
	struct timespec ts;
	pthread_rwlock_wrlock(&table_rwlock); /* cond_rwlock: write-locked */
	deadline_in(&ts, 20);
	pthread_cond_timedwait(&ready_cond, (pthread_mutex_t *)(void *)&table_rwlock, &ts); /* cond_rwlock: wait */
}

static void *waits_briefly(void *arg)
{
	pthread_mutex_t *m = arg;
	struct timespec ts;
	pthread_mutex_lock(m);
	deadline_in(&ts, 20);
	pthread_cond_timedwait(&shared_cond, m, &ts);
	pthread_mutex_unlock(m);
	return NULL;
}

static void cond_clean(void)
{
	pthread_cond_signal(&shared_cond);
	pthread_cond_broadcast(&shared_cond);
	pthread_t th;
	pthread_create(&th, NULL, waits_briefly, &first_lock);
	join(th);
	pthread_create(&th, NULL, waits_briefly, &second_lock);
	join(th);
}

/* ---------------------------------------------------------------- use-after-destroy */

static void uad_mutex(void)
{
	pthread_mutex_init(&doomed_mutex, NULL);
	pthread_mutex_destroy(&doomed_mutex); /* uad_mutex: destroyed */
	int rc = pthread_mutex_lock(&doomed_mutex); /* uad_mutex: locked after destroy */
	printf("misuse_lifecycle: lock returned %s\n", rc == EINVAL ? "EINVAL" : "other");
	pthread_mutex_unlock(&doomed_mutex); /* uad_mutex: unlocked after destroy */
}

static void uad_rwlock(void)
{
	pthread_rwlock_init(&doomed_rwlock, NULL);
	pthread_rwlock_destroy(&doomed_rwlock); /* uad_rwlock: destroyed */
	int rc = pthread_rwlock_rdlock(&doomed_rwlock); /* uad_rwlock: read-locked after destroy */
	printf("misuse_lifecycle: rdlock returned %d\n", rc);
	pthread_rwlock_unlock(&doomed_rwlock);
}

static void uad_spin(void)
{
	pthread_spin_init(&doomed_spin, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_destroy(&doomed_spin); /* uad_spin: destroyed */
	pthread_spin_lock(&doomed_spin); /* uad_spin: locked after destroy */
	pthread_spin_unlock(&doomed_spin);
}

static void uad_cond(void)
{
	struct timespec ts;
	pthread_cond_init(&doomed_cond, NULL);
	pthread_cond_destroy(&doomed_cond); /* uad_cond: destroyed */
	pthread_cond_signal(&doomed_cond); /* uad_cond: signalled after destroy */
	pthread_mutex_lock(&wait_lock);
	deadline_in(&ts, 20);
	pthread_cond_timedwait(&doomed_cond, &wait_lock, &ts); /* uad_cond: waited on after destroy */
	pthread_mutex_unlock(&wait_lock);
}

static void uad_c11(void)
{
	mtx_init(&doomed_mtx, mtx_plain);
	mtx_destroy(&doomed_mtx); /* uad_c11: destroyed */
	int rc = mtx_lock(&doomed_mtx); /* uad_c11: locked after destroy */
	printf("misuse_lifecycle: mtx_lock returned %s\n", rc == thrd_error ? "thrd_error" : "other");
}

static void uad_garbage(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	memset(m, 0xa5, sizeof *m);
	int rc = pthread_mutex_lock(m); /* uad_garbage: never initialised */
	printf("misuse_lifecycle: garbage lock returned %s\n", rc == EINVAL ? "EINVAL" : "other");
	free(m);
}

/* Objects with an rwlock from PTHREAD_RWLOCK_INITIALIZER (as C++ std::shared_mutex has), destroyed
 * and freed, then rebuilt in the same memory: after a read hold a destroyed rwlock's bytes equal the
 * initialiser's, and the new one is not the dead one. */
static void static_rwlock_rounds(void)
{
	for (int round = 0; round < 3; round++) {
		pthread_rwlock_t *rw = malloc(sizeof *rw);
		*rw = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
		pthread_rwlock_wrlock(rw);
		pthread_rwlock_unlock(rw);
		pthread_rwlock_rdlock(rw);
		pthread_rwlock_unlock(rw);
		pthread_rwlock_destroy(rw);
		free(rw);
	}
}

static void uad_clean(void)
{
	static_rwlock_rounds();
	for (int round = 0; round < 2; round++) {
		pthread_mutex_init(&doomed_mutex, NULL);
		pthread_mutex_lock(&doomed_mutex);
		pthread_mutex_unlock(&doomed_mutex);
		pthread_mutex_destroy(&doomed_mutex);
		pthread_rwlock_init(&doomed_rwlock, NULL);
		pthread_rwlock_wrlock(&doomed_rwlock);
		pthread_rwlock_unlock(&doomed_rwlock);
		pthread_rwlock_destroy(&doomed_rwlock);
		pthread_spin_init(&doomed_spin, PTHREAD_PROCESS_PRIVATE);
		pthread_spin_lock(&doomed_spin);
		pthread_spin_unlock(&doomed_spin);
		pthread_spin_destroy(&doomed_spin);
		mtx_init(&doomed_mtx, mtx_plain);
		mtx_lock(&doomed_mtx);
		mtx_unlock(&doomed_mtx);
		mtx_destroy(&doomed_mtx);
		pthread_cond_init(&doomed_cond, NULL);
		pthread_cond_signal(&doomed_cond);
		pthread_cond_destroy(&doomed_cond);
	}
}

/* ---------------------------------------------------------------- reinit-live */

static void reinit_static(void)
{
	pthread_mutex_init(&twice_mutex, NULL); /* reinit_static: first init */
	pthread_mutex_lock(&twice_mutex);
	pthread_mutex_unlock(&twice_mutex);
	pthread_mutex_init(&twice_mutex, NULL); /* reinit_static: again */
}

/* reinit_fork: the interpreter's lock, made at start, reset in every forked child. */
static pthread_mutex_t gil_mutex;
static pthread_cond_t gil_cond;
static sem_t gil_sem;
static volatile int gil_stop;

static void gil_create(void)
{
	pthread_mutex_init(&gil_mutex, NULL); /* reinit_fork: init */
	pthread_cond_init(&gil_cond, NULL);
	sem_init(&gil_sem, 0, 0);
}

static void gil_use(void)
{
	struct timespec ts;
	pthread_mutex_lock(&gil_mutex);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&gil_cond, &gil_mutex, &ts);
	pthread_mutex_unlock(&gil_mutex);
	sem_post(&gil_sem);
	sem_wait(&gil_sem);
}

static void *gil_churn(void *arg)
{
	(void)arg;
	while (!gil_stop) {
		pthread_mutex_lock(&gil_mutex);
		pthread_cond_signal(&gil_cond);
		pthread_mutex_unlock(&gil_mutex);
	}
	return NULL;
}

static int wait_status(pid_t pid)
{
	int status = -1;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void reinit_fork(int twice)
{
	pthread_t w;
	gil_create();
	pthread_create(&w, NULL, gil_churn, NULL);
	gil_use();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		gil_create();   /* the after-fork reset: the worker is gone, the mutex may be "held" by it */
		gil_use();
		if (twice) {
			pthread_mutex_init(&gil_mutex, NULL); /* reinit_fork_twice: again in the child */
			_exit(0);
		}
		pid_t grandchild = fork();
		if (grandchild == 0) {
			gil_create();
			gil_use();
			_exit(0);
		}
		_exit(wait_status(grandchild));
	}
	int st = wait_status(pid);
	gil_stop = 1;
	pthread_join(w, NULL);
	printf("misuse_lifecycle: child status %d\n", st);
}

static void *holds_hold_lock(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold_lock); /* reinit_locked: the worker holds it */
	sem_post(&step);
	sem_wait(&done);
	pthread_mutex_unlock(&hold_lock);
	return NULL;
}

static void reinit_locked(void)
{
	pthread_t th;
	pthread_mutex_init(&hold_lock, NULL);
	pthread_create(&th, NULL, holds_hold_lock, NULL);
	sem_wait(&step);
	pthread_mutex_init(&hold_lock, NULL); /* reinit_locked: again, while the worker holds it */
	sem_post(&done);
	join(th);
}

static __attribute__((noinline)) void reinit_stack(void)
{
	pthread_mutex_t local;
	pthread_mutex_init(&local, NULL); /* reinit_stack: first init */
	pthread_mutex_lock(&local);
	pthread_mutex_unlock(&local);
	pthread_mutex_init(&local, NULL); /* reinit_stack: again */
	pthread_mutex_destroy(&local);
}

static void *waits_ready(void *arg)
{
	(void)arg;
	struct timespec ts;
	pthread_mutex_lock(&wait_lock);
	sem_post(&step);
	deadline_in(&ts, 300);
	pthread_cond_timedwait(&ready_cond, &wait_lock, &ts); /* reinit_cond: the worker waits */
	pthread_mutex_unlock(&wait_lock);
	return NULL;
}

static void reinit_cond(void)
{
	pthread_t th;
	pthread_create(&th, NULL, waits_ready, NULL);
	sem_wait(&step);
	pthread_mutex_lock(&wait_lock);
	pthread_mutex_unlock(&wait_lock);
	pthread_cond_init(&ready_cond, NULL); /* reinit_cond: again, while waited on */
	join(th);
}

static void reinit_rwlock(void)
{
	pthread_rwlock_init(&twice_rwlock, NULL); /* reinit_rwlock: first init */
	pthread_rwlock_init(&twice_rwlock, NULL); /* reinit_rwlock: again */
}

static uintptr_t frame_one_lock, frame_two_lock;     /* only compared, to check the reuse */

static __attribute__((noinline)) void frame_one(void)
{
	pthread_mutex_t local;
	pthread_mutex_init(&local, NULL);
	pthread_mutex_lock(&local);
	pthread_mutex_unlock(&local);
	frame_one_lock = (uintptr_t)&local;     /* no destroy: the frame just ends */
}

static __attribute__((noinline)) void frame_two(void)
{
	pthread_mutex_t local;
	pthread_mutex_init(&local, NULL);
	pthread_mutex_lock(&local);
	pthread_mutex_unlock(&local);
	pthread_mutex_destroy(&local);
	frame_two_lock = (uintptr_t)&local;
}

static void reinit_clean(void)
{
	uad_clean();
	frame_one();
	frame_two();
	printf("misuse_lifecycle: same frame address: %s\n", frame_one_lock == frame_two_lock ? "yes" : "no");
	pthread_cond_init(&doomed_cond, NULL);
	pthread_cond_destroy(&doomed_cond);
	pthread_cond_init(&doomed_cond, NULL);
	pthread_cond_destroy(&doomed_cond);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	sem_init(&step, 0, 0);
	sem_init(&done, 0, 0);
	pthread_t th;
	if (strcmp(mode, "exit_return") == 0) {
		pthread_create(&th, NULL, returns_holding, NULL);
		join(th);
	} else if (strcmp(mode, "exit_pthread") == 0) {
		pthread_create(&th, NULL, exits_holding, NULL);
		join(th);
	} else if (strcmp(mode, "exit_cancel_wait") == 0) {
		exit_cancel(0);
	} else if (strcmp(mode, "exit_cancel_clean") == 0) {
		exit_cancel(1);
	} else if (strcmp(mode, "exit_robust") == 0) {
		exit_robust();
	} else if (strcmp(mode, "main_returns") == 0) {
		pthread_create(&th, NULL, runs_on, NULL);
		pthread_mutex_lock(&leak_lock); /* main_returns: main holds it when it returns */
	} else if (strcmp(mode, "cond_unlocked") == 0) {
		cond_unlocked();
	} else if (strcmp(mode, "cond_foreign") == 0) {
		cond_foreign();
	} else if (strcmp(mode, "cond_two") == 0) {
		cond_two();
	} else if (strcmp(mode, "cond_destroy") == 0) {
		cond_destroy();
	} else if (strcmp(mode, "cond_rwlock") == 0) {
		cond_rwlock();
	} else if (strcmp(mode, "cond_clean") == 0) {
		cond_clean();
	} else if (strcmp(mode, "uad_mutex") == 0) {
		uad_mutex();
	} else if (strcmp(mode, "uad_rwlock") == 0) {
		uad_rwlock();
	} else if (strcmp(mode, "uad_spin") == 0) {
		uad_spin();
	} else if (strcmp(mode, "uad_cond") == 0) {
		uad_cond();
	} else if (strcmp(mode, "uad_c11") == 0) {
		uad_c11();
	} else if (strcmp(mode, "uad_garbage") == 0) {
		uad_garbage();
	} else if (strcmp(mode, "uad_clean") == 0) {
		uad_clean();
	} else if (strcmp(mode, "reinit_static") == 0) {
		reinit_static();
	} else if (strcmp(mode, "reinit_locked") == 0) {
		reinit_locked();
	} else if (strcmp(mode, "reinit_stack") == 0) {
		reinit_stack();
	} else if (strcmp(mode, "reinit_cond") == 0) {
		reinit_cond();
	} else if (strcmp(mode, "reinit_rwlock") == 0) {
		reinit_rwlock();
	} else if (strcmp(mode, "reinit_clean") == 0) {
		reinit_clean();
	} else if (strcmp(mode, "reinit_fork") == 0) {
		reinit_fork(0);
	} else if (strcmp(mode, "reinit_fork_twice") == 0) {
		reinit_fork(1);
	} else {
		fprintf(stderr, "misuse_lifecycle: unknown mode '%s'\n", mode);
		return 2;
	}
	printf("misuse_lifecycle: %s done\n", mode);
	return 0;
}
