/* Condition variables and pthread_once.
 *
 * A condition wait releases its mutex and takes it back: the held stack says so (the mutex is popped for
 * the wait and pushed again after, with the lock-order edges of a blocking re-acquisition), so there is
 * no false bad-unlock after a wait.  Misuse is cond-misuse (lifecycle.h): waiting with a mutex the
 * thread does not hold or with something that is not a mutex, two mutexes on one condition variable
 * at once, destroying it while threads wait; a wait, signal or destroy on a destroyed condition
 * variable or mutex, or on one that was never initialised, is use-after-destroy.  Signalling without holding the mutex is legal and not
 * reported.  The wait itself is published for the watchdog and the all-threads-blocked search, but
 * never cut short.
 * Programs link against the GLIBC_2.3.2 versions; our unversioned definitions satisfy those references,
 * and real.c resolves the genuine ones with dlvsym (plain dlsym would find the old 2.2.5 ABI). */
#include "wrap.h"
#include "config.h"
#include "glibc_mutex.h"
#include "lifecycle.h"
#include "api_misuse.h"
#include "stacks.h"
#include "waits.h"

#include <errno.h>

/* A thread's first call on a condition variable it has not seen lately: lifecycle checks that it was
 * initialised (a small per-thread table keeps this off the repeated calls). */
static inline void cond_seen(struct thread_rec *t, const pthread_cond_t *c, const char *call, uintptr_t pc)
{
	uintptr_t a = (uintptr_t)c;
	const void **slot = &t->cond_seen[((a >> 4) ^ (a >> 9)) & 7];
	if (__builtin_expect(*slot != c, 0)) {
		life_cond_first_sight(t, c, call, pc);
		*slot = c;
	}
}

/* Before the wait: the mutex leaves the held stack (or the caller did not hold it: cond-misuse).
 * Returns the number of another thread whose hold the wait's unlock ends (see ev_release_unheld). */
static int cond_release_mutex(struct thread_rec *t, pthread_cond_t *c, pthread_mutex_t *m, uintptr_t pc)
{
	if (ev_release(t, m) != 0)
		return life_cond_wait_unheld(t, c, m, glibc_mutex_owner(m), pc);
	return 0;
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

enum cond_call { COND_WAIT, COND_TIMEDWAIT, COND_CLOCKWAIT };

struct cond_wait {
	struct thread_rec *t;
	pthread_cond_t *c;
	pthread_mutex_t *m;
	clockid_t clock;
	const struct timespec *abstime;
	uintptr_t pc;
	int cancel_state;               /* the program's: in force during the real wait only */
};

/* The real wait is a cancellation point, and the only one the wrapper lets act: everything else here
 * (reports write to files) runs with cancellation disabled, so a thread is never cancelled inside the
 * checker holding one of its locks. */
static int real_cond_wait(struct cond_wait *w, enum cond_call call)
{
	int rc, inside;
	pthread_setcancelstate(w->cancel_state, &inside);
	if (call == COND_WAIT)
		rc = REAL(cond_wait)(w->c, w->m);
	else if (call == COND_TIMEDWAIT)
		rc = REAL(cond_timedwait)(w->c, w->m, w->abstime);
	else
		rc = REAL(cond_clockwait)(w->c, w->m, w->clock, w->abstime);
	pthread_setcancelstate(inside, NULL);
	return rc;
}

/* Cancelled in the wait: glibc has taken the mutex back and unwinds through this frame into the
 * program's cleanup handlers, which typically unlock it.  Leave the checker first (a raised re-entry
 * guard would hide those unlocks: a false "exits holding") with the mutex held again, and remember
 * where the thread was cancelled (its exit-holding report, if the mutex is never unlocked). */
static void cond_wait_cancelled(void *arg)
{
	struct cond_wait *w = arg;
	wait_end(w->t);
	life_cond_wait_end(w->t, w->c);
	cond_reacquire_mutex(w->t, w->m, w->pc);
	int cancel_state = cancel_disable();
	w->t->exit_how = TX_CANCELLED_IN_WAIT;
	w->t->exit_stack = stack_capture();
	cancel_restore(cancel_state);
	shim_leave();
}

/* Cancelled in a wait whose "mutex" was no mutex: only leave the checker. */
static void cond_wait_left(void *arg)
{
	(void)arg;
	shim_leave();
}

/* A wait coffman does not follow (its mutex was reported as destroyed or as no mutex): the real call
 * runs as it would without the checker. */
static int cond_wait_untracked(struct cond_wait *w, enum cond_call call)
{
	int rc;
	pthread_cleanup_push(cond_wait_left, w);
	rc = real_cond_wait(w, call);
	pthread_cleanup_pop(0);
	return rc;
}

/* The wait's own objects, before anything else: a destroyed (or never initialised) mutex fails the
 * wait with EINVAL; a mutex that is really an rwlock, spinlock or condition variable is misuse; a
 * destroyed condition variable is reported and waited on as asked.  Returns 1 when the wait is not
 * followed (run it with cond_wait_untracked). */
static int cond_wait_misused(struct cond_wait *w, const char *call)
{
	struct thread_rec *t = w->t;
	int idx = held_find(t, w->m);
	if ((idx < 0 || t->held[idx].kind != LK_MUTEX) && life_cond_wait_not_mutex(t, w->c, w->m, w->pc))
		return 1;
	enum glibc_mutex_state ms = glibc_mutex_state(w->m);
	if (ms != GLIBC_MUTEX_LIVE) {
		life_report_use(t, w->m, LK_MUTEX, call, ms == GLIBC_MUTEX_DESTROYED ? LIFE_DESTROYED : LIFE_UNINITIALISED,
				EINVAL, w->pc);
		return 1;
	}
	if (glibc_cond_destroyed(w->c) && life_was_destroyed(w->c, NULL, NULL))
		life_report_use(t, w->c, LK_COND, call, LIFE_DESTROYED, -1, w->pc);
	return 0;
}

static const char *const cond_call_names[] = { "pthread_cond_wait", "pthread_cond_timedwait",
					       "pthread_cond_clockwait" };

static int cond_wait_checked(struct cond_wait *w, enum cond_call call)
{
	struct thread_rec *t = w->t;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &w->cancel_state);
	cond_seen(t, w->c, cond_call_names[call], w->pc);
	if (cond_wait_misused(w, cond_call_names[call])) {
		int rc = cond_wait_untracked(w, call);
		pthread_setcancelstate(w->cancel_state, NULL);
		return rc;
	}
	int owner_num = cond_release_mutex(t, w->c, w->m, w->pc);
	cond_wait_begin(t, w->c, call != COND_WAIT, w->pc);
	life_cond_wait_begin(t, w->c, w->m);
	int rc;
	pthread_cleanup_push(cond_wait_cancelled, w);
	rc = real_cond_wait(w, call);
	pthread_cleanup_pop(0);
	wait_end(t);
	life_cond_wait_end(t, w->c);
	if (rc == EINVAL && call != COND_WAIT)         /* refused at once: a malformed deadline? */
		misuse_cond_deadline(t, w->c, cond_call_names[call], call == COND_CLOCKWAIT ? w->clock : CLOCK_REALTIME,
				     w->abstime, w->pc);
	/* EPERM: an error-checking or recursive mutex this thread did not own; nothing was unlocked. */
	if (rc != EPERM) {
		if (owner_num)
			ev_released_for(owner_num, w->m);      /* the wait's unlock ended its hold */
		cond_reacquire_mutex(t, w->m, w->pc);
	}
	pthread_setcancelstate(w->cancel_state, NULL);
	return rc;
}

EXPORT int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_wait)(c, m);
	struct cond_wait w = { .t = t, .c = c, .m = m, .pc = CALLER_PC };
	int rc = cond_wait_checked(&w, COND_WAIT);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
				  const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_timedwait)(c, m, abstime);
	struct cond_wait w = { .t = t, .c = c, .m = m, .abstime = abstime, .pc = CALLER_PC };
	int rc = cond_wait_checked(&w, COND_TIMEDWAIT);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m, clockid_t clock,
				  const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_clockwait)(c, m, clock, abstime);
	struct cond_wait w = { .t = t, .c = c, .m = m, .clock = clock, .abstime = abstime, .pc = CALLER_PC };
	int rc = cond_wait_checked(&w, COND_CLOCKWAIT);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict attr)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_init)(c, attr);
	life_before_init(t, c, LK_COND, CALLER_PC, 0);
	int rc = REAL(cond_init)(c, attr);
	if (rc == 0)
		life_initialised(t, c, LK_COND, CALLER_PC);
	else
		misuse_init_failed(t, c, LK_COND, "pthread_cond_init", rc, CALLER_PC);
	shim_leave();
	return rc;
}

/* A destroy with waiters blocks in glibc until they are woken: published as a condition wait, so the
 * watchdog sees it if nobody wakes them. */
EXPORT int pthread_cond_destroy(pthread_cond_t *c)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_destroy)(c);
	int rc;
	if (glibc_cond_destroyed(c) && life_was_destroyed(c, NULL, NULL)) {
		rc = REAL(cond_destroy)(c);
		life_report_use(t, c, LK_COND, "pthread_cond_destroy", LIFE_DESTROYED, rc, CALLER_PC);
		shim_leave();
		return rc;
	}
	cond_seen(t, c, "pthread_cond_destroy", CALLER_PC);
	int waiters = life_cond_before_destroy(t, c, CALLER_PC);
	if (waiters)
		wait_begin(t, W_COND, c, 0, CALLER_PC);
	rc = REAL(cond_destroy)(c);
	if (waiters)
		wait_end(t);
	if (rc == 0)
		life_destroyed(t, c, LK_COND, 0, CALLER_PC);
	shim_leave();
	return rc;
}

/* Signalling needs no mutex; only a destroyed condition variable is reported. */
static void cond_check_live(struct thread_rec *t, pthread_cond_t *c, const char *call, uintptr_t pc)
{
	if (glibc_cond_destroyed(c) && life_was_destroyed(c, NULL, NULL))
		life_report_use(t, c, LK_COND, call, LIFE_DESTROYED, -1, pc);
}

EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_signal)(c);
	cond_seen(t, c, "pthread_cond_signal", CALLER_PC);
	cond_check_live(t, c, "pthread_cond_signal", CALLER_PC);
	int rc = REAL(cond_signal)(c);
	shim_leave();
	return rc;
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cond_broadcast)(c);
	cond_seen(t, c, "pthread_cond_broadcast", CALLER_PC);
	cond_check_live(t, c, "pthread_cond_broadcast", CALLER_PC);
	int rc = REAL(cond_broadcast)(c);
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
	/* owner_of: an entry left by an init routine that threw is stale (glibc cleared the word). */
	struct acquire a = { .lock = once, .pc = CALLER_PC, .kind = LK_ONCE, .relock = RELOCK_FATAL,
			     .relock_why = "pthread_once re-entered from its own init routine: it would wait for itself forever",
			     .owner_of = glibc_once_owner_of };
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
