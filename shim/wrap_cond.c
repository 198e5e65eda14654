/* Condition variables and pthread_once.
 *
 * A condition wait releases its mutex and takes it back: the held stack says so (the mutex is popped for
 * the wait and pushed again after, with the lock-order edges of a blocking re-acquisition), so there is
 * no false bad-unlock after a wait.  Waiting with a mutex the thread does not hold is a bad-unlock.  The
 * wait itself is published for the watchdog and the all-threads-blocked search, but never cut short.
 * Programs link against the GLIBC_2.3.2 versions; our unversioned definitions satisfy those references,
 * and real.c resolves the genuine ones with dlvsym (plain dlsym would find the old 2.2.5 ABI). */
#include "wrap.h"
#include "config.h"
#include "glibc_mutex.h"
#include "stacks.h"
#include "waits.h"

#include <errno.h>

/* Before the wait: the mutex leaves the held stack (or the caller did not hold it: bad-unlock). */
static void cond_release_mutex(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	if (ev_release(t, m) != 0)
		ev_release_unheld(t, m, LK_MUTEX, glibc_mutex_owner(m), pc);
}

/* After the wait, whatever its result, the mutex is held again. */
static void cond_reacquire_mutex(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = RELOCK_NEST };
	ev_before_acquire(t, &a, 1);
	ev_after_acquire(t, &a, 0);
}

static void cond_wait_begin(struct thread_rec *t, pthread_cond_t *c, int timed, uintptr_t pc)
{
	wait_begin(t, W_COND, c, timed, pc);
	/* With the watchdog on, a stuck condition wait must show its whole stack. */
	if (cfg.watchdog_secs > 0)
		atomic_store(&t->wait_stack, stack_capture());
}

EXPORT int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_wait)(c, m);
	uintptr_t pc = CALLER_PC;
	cond_release_mutex(t, m, pc);
	cond_wait_begin(t, c, 0, pc);
	int rc = REAL(cond_wait)(c, m);
	wait_end(t);
	cond_reacquire_mutex(t, m, pc);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
				  const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_timedwait)(c, m, abstime);
	uintptr_t pc = CALLER_PC;
	cond_release_mutex(t, m, pc);
	cond_wait_begin(t, c, 1, pc);
	int rc = REAL(cond_timedwait)(c, m, abstime);
	wait_end(t);
	cond_reacquire_mutex(t, m, pc);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m, clockid_t clock,
				  const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_clockwait)(c, m, clock, abstime);
	uintptr_t pc = CALLER_PC;
	cond_release_mutex(t, m, pc);
	cond_wait_begin(t, c, 1, pc);
	int rc = REAL(cond_clockwait)(c, m, clock, abstime);
	wait_end(t);
	cond_reacquire_mutex(t, m, pc);
	shim_leave();
	return rc;
}

/* glibc marks a finished once control with bit 1 (__PTHREAD_ONCE_DONE); finished calls go straight
 * through at native cost. */
#define ONCE_DONE 2

/* pthread_once: the once control is held like a lock while its init routine runs in this thread, so an
 * init routine that re-enters the same control (directly or through helpers) — which hangs natively —
 * is a double-lock, and locks taken inside the routine are ordered after it. */
EXPORT int pthread_once(pthread_once_t *once, void (*init)(void))
{
	if (__atomic_load_n(once, __ATOMIC_ACQUIRE) & ONCE_DONE)
		return REAL(once)(once, init);
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(once)(once, init);
	struct acquire a = { .lock = once, .pc = CALLER_PC, .kind = LK_ONCE, .relock = RELOCK_FATAL,
			     .relock_why = "pthread_once re-entered from its own init routine: it would wait for itself forever" };
	ev_before_acquire(t, &a, 1);
	ev_after_acquire(t, &a, 0);
	/* The init routine is the program's code: run it with the guard down so its locks are checked. */
	shim_leave();
	int rc = REAL(once)(once, init);
	t = shim_enter();
	if (t) {
		ev_release(t, once);
		shim_leave();
	}
	return rc;
}
