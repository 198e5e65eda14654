/* Semaphores (unnamed and named) and barriers.
 *
 * Neither has an owner, so neither adds a lock-order edge or a wait-for edge.  What the checker adds:
 * their waits are published (W_SEM, W_BARRIER) for the all-threads-blocked search and the watchdog,
 * and their misuse is reported (sems.h).
 *
 * Costs.  sem_post and sem_trywait pay one look at the table of destroyed objects, then the real call.
 * sem_wait and its timed variants first take the semaphore without blocking (sem_trywait, after the
 * cancellation test glibc makes too); only a wait that would block enters the checker: it is
 * published and made in slices of a timed wait (a timed-out slice consumed nothing and is simply made
 * again), and once it has lasted a slice its stack is captured and the deadlock search runs, as for a
 * contended lock.  A barrier wait cannot be sliced: it is published for its whole length, and a thread
 * that arrives while every other thread already waits looks for the all-blocked case itself (nobody
 * else would, unless the watchdog runs).
 *
 * Cancellation: sem_wait, sem_timedwait and sem_clockwait are cancellation points.  As in the condition
 * wait, the checker's own work runs with cancellation disabled and only the real wait may act on it;
 * a cleanup handler then unpublishes the wait and leaves the checker.
 */
#include "wrap.h"
#include "config.h"
#include "deadlock.h"
#include "sems.h"
#include "stacks.h"
#include "waits.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdarg.h>

/* ---------------------------------------------------------------- use after destroy */

static __attribute__((noinline)) void check_use(const void *obj, const char *call, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	int saved_errno = errno;
	if (sems_maybe_destroyed(obj))
		sems_check_use(t, obj, call, pc);
	else
		sems_report_never_initialised(t, obj, SK_SEM, call, pc);
	errno = saved_errno;
	shim_leave();
}

/* A destroyed semaphore (the table of destroyed objects) or junk (glibc's mark in it is missing). */
#define CHECK_USE(obj, call)                                                                  \
	do {                                                                                  \
		if (__builtin_expect(sems_maybe_destroyed(obj) || sems_sem_is_junk(obj), 0)) \
			check_use(obj, call, CALLER_PC);                                      \
	} while (0)

/* ---------------------------------------------------------------- waits */

enum sem_call { SEM_WAIT, SEM_TIMEDWAIT, SEM_CLOCKWAIT };

struct sem_wait {
	struct thread_rec *t;
	sem_t *sem;
	clockid_t clock;
	const struct timespec *abstime; /* NULL: untimed */
	uintptr_t pc;
	int cancel_state;               /* the program's: in force during the real wait only */
};

/* One slice: the real timed wait, the only place cancellation may act.  0, or the error. */
static int sem_attempt(void *arg, clockid_t clock, const struct timespec *deadline)
{
	struct sem_wait *w = arg;
	int inside, rc;
	pthread_setcancelstate(w->cancel_state, &inside);
	if (clock == CLOCK_REALTIME)
		rc = REAL(sem_timedwait)(w->sem, deadline);
	else
		rc = real.sem_clockwait(w->sem, clock, deadline);
	int err = rc == 0 ? 0 : errno;
	pthread_setcancelstate(inside, NULL);
	return err;
}

static void sem_wait_cancelled(void *arg)
{
	struct sem_wait *w = arg;
	wait_end(w->t);
	shim_leave();
}

static int real_sem_call(enum sem_call call, sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	if (call == SEM_WAIT)
		return REAL(sem_wait)(sem);
	if (call == SEM_TIMEDWAIT)
		return REAL(sem_timedwait)(sem, abstime);
	return REAL(sem_clockwait)(sem, clock, abstime);
}

static int sem_wait_published(struct sem_wait *w)
{
	int rc;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &w->cancel_state);
	pthread_cleanup_push(sem_wait_cancelled, w);
	rc = wait_for_sem(w->t, w->sem, w->pc, sem_attempt, w, w->clock, w->abstime);
	pthread_cleanup_pop(0);
	pthread_setcancelstate(w->cancel_state, NULL);
	return rc;
}

/* The semaphore was not free: wait for it, published, in slices.  abstime NULL: untimed. */
static int sem_wait_blocking(enum sem_call call, sem_t *sem, clockid_t clock, const struct timespec *abstime,
			     uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return real_sem_call(call, sem, clock, abstime);
	int saved_errno = errno;
	/* Untimed: slices on the monotonic clock where glibc has sem_clockwait (2.30), as sem_wait
	 * itself is immune to changes of the wall clock. */
	struct sem_wait w = { .t = t, .sem = sem, .clock = clock, .abstime = abstime, .pc = pc };
	if (!abstime)
		w.clock = real.sem_clockwait ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	int rc = sem_wait_published(&w);
	shim_leave();
	errno = rc == 0 ? saved_errno : rc;
	return rc == 0 ? 0 : -1;
}

/* Take the semaphore if it is free, without blocking; 1 if taken.  Keeps errno. */
static int sem_take_free(sem_t *sem)
{
	int saved_errno = errno;
	if (REAL(sem_trywait)(sem) == 0)
		return 1;
	errno = saved_errno;
	return 0;
}

/* A deadline glibc would refuse (EINVAL) or a clock it does not wait on: its own call says so. */
static int plain_timespec(clockid_t clock, const struct timespec *abstime)
{
	return abstime && abstime->tv_nsec >= 0 && abstime->tv_nsec < 1000000000L &&
	       (clock == CLOCK_REALTIME || (clock == CLOCK_MONOTONIC && real.sem_clockwait));
}

EXPORT int sem_wait(sem_t *sem)
{
	CHECK_USE(sem, "sem_wait");
	/* glibc acts on a pending cancellation before it looks at the semaphore: so do we. */
	pthread_testcancel();
	if (sem_take_free(sem))
		return 0;
	return sem_wait_blocking(SEM_WAIT, sem, CLOCK_REALTIME, NULL, CALLER_PC);
}

EXPORT int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abstime)
{
	CHECK_USE(sem, "sem_timedwait");
	if (!plain_timespec(CLOCK_REALTIME, abstime))
		return REAL(sem_timedwait)(sem, abstime);
	pthread_testcancel();
	if (sem_take_free(sem))
		return 0;
	return sem_wait_blocking(SEM_TIMEDWAIT, sem, CLOCK_REALTIME, abstime, CALLER_PC);
}

EXPORT int sem_clockwait(sem_t *restrict sem, clockid_t clock, const struct timespec *restrict abstime)
{
	if (!real.sem_clockwait)
		real_resolve();
	if (!real.sem_clockwait) {
		errno = ENOSYS;
		return -1;
	}
	CHECK_USE(sem, "sem_clockwait");
	if (!plain_timespec(clock, abstime))
		return real.sem_clockwait(sem, clock, abstime);
	pthread_testcancel();
	if (sem_take_free(sem))
		return 0;
	return sem_wait_blocking(SEM_CLOCKWAIT, sem, clock, abstime, CALLER_PC);
}

EXPORT int sem_trywait(sem_t *sem)
{
	CHECK_USE(sem, "sem_trywait");
	return REAL(sem_trywait)(sem);
}

EXPORT int sem_post(sem_t *sem)
{
	CHECK_USE(sem, "sem_post");
	return REAL(sem_post)(sem);
}

/* ---------------------------------------------------------------- life */

EXPORT int sem_init(sem_t *sem, int pshared, unsigned value)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(sem_init)(sem, pshared, value);
	uintptr_t pc = CALLER_PC;
	sems_before_init(t, sem, SK_SEM, pc);
	int rc = REAL(sem_init)(sem, pshared, value);
	int err = errno;
	if (rc == 0)
		sems_initialised(sem, SK_SEM, pshared != 0, 0, NULL, pc);
	else
		sems_init_failed(t, sem, SK_SEM, value, err, pc);
	shim_leave();
	errno = err;
	return rc;
}

EXPORT int sem_destroy(sem_t *sem)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(sem_destroy)(sem);
	uintptr_t pc = CALLER_PC;
	if (sems_maybe_destroyed(sem))
		sems_check_use(t, sem, "sem_destroy", pc);
	else if (sems_sem_is_junk(sem))
		sems_report_never_initialised(t, sem, SK_SEM, "sem_destroy", pc);
	sems_before_destroy(t, sem, SK_SEM, pc);
	int rc = REAL(sem_destroy)(sem);
	int err = errno;
	if (rc == 0)
		sems_destroyed(t, sem, SK_SEM, sizeof *sem, pc);
	shim_leave();
	errno = err;
	return rc;
}

/* Named semaphores: followed only for their identity (the name in reports, process-shared: never proof
 * of a deadlock) and for a use after the last sem_close. */
EXPORT sem_t *sem_open(const char *name, int oflag, ...)
{
	mode_t mode = 0;
	unsigned value = 0;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		value = va_arg(ap, unsigned);
		va_end(ap);
	}
	uintptr_t pc = CALLER_PC;
	sem_t *sem = (oflag & O_CREAT) ? REAL(sem_open)(name, oflag, mode, value) : REAL(sem_open)(name, oflag);
	if (sem == SEM_FAILED)
		return sem;
	struct thread_rec *t = shim_enter();
	if (t) {
		int saved_errno = errno;
		sems_initialised(sem, SK_NAMED_SEM, 1, 0, name, pc);
		errno = saved_errno;
		shim_leave();
	}
	return sem;
}

EXPORT int sem_close(sem_t *sem)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(sem_close)(sem);
	uintptr_t pc = CALLER_PC;
	if (sems_maybe_destroyed(sem))
		sems_check_use(t, sem, "sem_close", pc);
	int last = sems_before_destroy(t, sem, SK_NAMED_SEM, pc);
	int rc = REAL(sem_close)(sem);
	int err = errno;
	if (rc == 0 && last)
		sems_destroyed(t, sem, SK_NAMED_SEM, 0, pc);   /* unmapped: no bytes to keep */
	shim_leave();
	errno = err;
	return rc;
}

/* ---------------------------------------------------------------- barriers */

EXPORT int pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr,
				unsigned count)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(barrier_init)(b, attr, count);
	uintptr_t pc = CALLER_PC;
	sems_before_init(t, b, SK_BARRIER, pc);
	int rc = REAL(barrier_init)(b, attr, count);
	if (rc == 0) {
		int pshared = PTHREAD_PROCESS_PRIVATE;
		if (attr)
			pthread_barrierattr_getpshared(attr, &pshared);
		sems_initialised(b, SK_BARRIER, pshared == PTHREAD_PROCESS_SHARED, count, NULL, pc);
	} else {
		sems_init_failed(t, b, SK_BARRIER, count, rc, pc);
	}
	shim_leave();
	return rc;
}

EXPORT int pthread_barrier_destroy(pthread_barrier_t *b)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(barrier_destroy)(b);
	uintptr_t pc = CALLER_PC;
	if (sems_maybe_destroyed(b))
		sems_check_use(t, b, "pthread_barrier_destroy", pc);
	else if (sems_barrier_is_junk(b))
		sems_report_never_initialised(t, b, SK_BARRIER, "pthread_barrier_destroy", pc);
	sems_before_destroy(t, b, SK_BARRIER, pc);
	int rc = REAL(barrier_destroy)(b);
	if (rc == 0)
		sems_destroyed(t, b, SK_BARRIER, sizeof *b, pc);
	shim_leave();
	return rc;
}

/* Just arrived at a barrier (published) and, unless this thread completes the round, about to sleep
 * for as long as the others take.  A barrier wait cannot be sliced, so if every other thread already
 * waits, nobody would run the all-threads-blocked search: this thread runs it now, counted as
 * blocked (the search itself knows a round its arrival completes). */
static void barrier_arrived(struct thread_rec *t, const pthread_barrier_t *b)
{
	/* With the watchdog on, a stuck barrier wait must show its whole stack (as a condition wait). */
	if (cfg.watchdog_secs > 0)
		atomic_store(&t->wait_stack, stack_capture());
	if (!deadlock_barrier_would_block(t, b))
		return;
	atomic_store(&t->in_slice, 1);
	if (!atomic_load(&t->wait_stack))
		atomic_store(&t->wait_stack, stack_capture());
	deadlock_check_all_blocked();
	atomic_store(&t->in_slice, 0);
}

EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(barrier_wait)(b);
	uintptr_t pc = CALLER_PC;
	/* Not a cancellation point: the checker's files and reports must not become one. */
	int cancel_state = cancel_disable();
	int saved_errno = errno;
	if (sems_maybe_destroyed(b))
		sems_check_use(t, b, "pthread_barrier_wait", pc);
	else if (sems_barrier_is_junk(b))
		sems_report_never_initialised(t, b, SK_BARRIER, "pthread_barrier_wait", pc);
	wait_begin(t, W_BARRIER, b, 0, pc);
	barrier_arrived(t, b);
	errno = saved_errno;
	cancel_restore(cancel_state);
	int rc = REAL(barrier_wait)(b);
	wait_end(t);
	shim_leave();
	return rc;
}
