/* C11 <threads.h> mutexes.  glibc implements mtx_* on top of its pthread mutex internals without going
 * through the exported pthread symbols, so they need wrappers of their own.  An mtx_t has the layout of a
 * pthread_mutex_t in glibc (same size, same fields), so the mutex type and owner are read the same way,
 * and the contended wait uses the real pthread_mutex_clocklock on it. */
#include "wrap.h"
#include "glibc_mutex.h"
#include "lifecycle.h"
#include "api_misuse.h"
#include "waits.h"

#include <errno.h>

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread_mutex_t in glibc");

static pthread_mutex_t *as_mutex(mtx_t *m)
{
	return (pthread_mutex_t *)(void *)m;
}

static int to_thrd(int rc)
{
	switch (rc) {
	case 0:
	case EOWNERDEAD:
		return thrd_success;
	case EBUSY:
		return thrd_busy;
	case ETIMEDOUT:
		return thrd_timedout;
	default:
		return thrd_error;
	}
}

/* A call on an mtx_t glibc refuses (destroyed: mtx_destroy marks it as pthread_mutex_destroy does, or
 * memory that is no mutex): reported; the real call still runs. */
static __attribute__((noinline, cold)) void c11_refused(struct thread_rec *t, mtx_t *m, enum glibc_mutex_state st,
							const char *call, int rc, uintptr_t pc)
{
	life_report_use(t, m, LK_C11, call, st == GLIBC_MUTEX_DESTROYED ? LIFE_DESTROYED : LIFE_UNINITIALISED,
			rc == thrd_error ? EINVAL : rc, pc);
}

#define C11_REFUSED(t, m, call, real_call, pc)                                          \
	do {                                                                            \
		enum glibc_mutex_state st_ = glibc_mutex_state(as_mutex(m));            \
		if (__builtin_expect(st_ != GLIBC_MUTEX_LIVE, 0)) {                     \
			int rc_ = real_call;                                            \
			c11_refused(t, m, st_, call, rc_, pc);                          \
			shim_leave();                                                   \
			return rc_;                                                     \
		}                                                                       \
	} while (0)

static enum relock_policy c11_relock_policy(mtx_t *m)
{
	return glibc_mutex_type(as_mutex(m)) == PTHREAD_MUTEX_RECURSIVE ? RELOCK_NEST : RELOCK_FATAL;
}

static int c11_attempt(void *lock, clockid_t clock, const struct timespec *deadline)
{
	if (REAL(mutex_clocklock))
		return real.mutex_clocklock(lock, clock, deadline);
	return REAL(mutex_timedlock)(lock, deadline);
}

static int c11_acquire(struct thread_rec *t, mtx_t *m, uintptr_t pc, const struct timespec *user_deadline)
{
	struct acquire a = { .lock = m, .pc = pc, .kind = LK_C11, .relock = c11_relock_policy(m),
			     .owner_of = glibc_mutex_owner_of };
	if (user_deadline && a.relock == RELOCK_FATAL)
		a.relock = RELOCK_TIMED;
	ev_before_acquire(t, &a, 1);
	int rc = REAL(mutex_trylock)(as_mutex(m));
	if (rc == EBUSY)
		rc = wait_for_lock(t, as_mutex(m), LK_C11, pc, c11_attempt,
				   user_deadline ? CLOCK_REALTIME : (real.mutex_clocklock ? CLOCK_MONOTONIC : CLOCK_REALTIME),
				   user_deadline);
	if (rc == 0 || rc == EOWNERDEAD)
		ev_after_acquire(t, &a, 0);
	return to_thrd(rc);
}

EXPORT int mtx_lock(mtx_t *m)
{
	struct thread_rec *t = shim_enter();
	if (!t) {
		struct acquire a = { .lock = m, .pc = CALLER_PC, .kind = LK_C11, .relock = c11_relock_policy(m),
				     .owner_of = glibc_mutex_owner_of };
		ev_acquire_reentered(&a);       /* a signal handler relocking its thread's mutex */
		return REAL(mtx_lock)(m);
	}
	C11_REFUSED(t, m, "mtx_lock", REAL(mtx_lock)(m), CALLER_PC);
	int rc = c11_acquire(t, m, CALLER_PC, NULL);
	shim_leave();
	return rc;
}

EXPORT int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mtx_timedlock)(m, abstime);
	C11_REFUSED(t, m, "mtx_timedlock", REAL(mtx_timedlock)(m, abstime), CALLER_PC);
	int rc = c11_acquire(t, m, CALLER_PC, abstime);
	shim_leave();
	return rc;
}

EXPORT int mtx_trylock(mtx_t *m)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mtx_trylock)(m);
	C11_REFUSED(t, m, "mtx_trylock", REAL(mtx_trylock)(m), CALLER_PC);
	int rc = REAL(mtx_trylock)(m);
	if (rc == thrd_success) {
		struct acquire a = { .lock = m, .pc = CALLER_PC, .kind = LK_C11, .relock = c11_relock_policy(m),
				     .owner_of = glibc_mutex_owner_of };
		ev_after_acquire(t, &a, 1);
	}
	shim_leave();
	return rc;
}

EXPORT int mtx_unlock(mtx_t *m)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mtx_unlock)(m);
	C11_REFUSED(t, m, "mtx_unlock", REAL(mtx_unlock)(m), CALLER_PC);
	int owner_num = 0;
	if (ev_release(t, m) != 0)
		owner_num = ev_release_unheld(t, m, LK_C11, glibc_mutex_owner(as_mutex(m)), CALLER_PC);
	int rc = REAL(mtx_unlock)(m);
	if (owner_num && rc == thrd_success)
		ev_released_for(owner_num, m);
	shim_leave();
	return rc;
}

EXPORT int mtx_init(mtx_t *m, int type)
{
	struct thread_rec *t = shim_enter();
	struct life_init_check check;
	pid_t old_owner = 0;
	if (t) {
		init_touch_for_write(m, sizeof *m);
		old_owner = glibc_mutex_owner(as_mutex(m));
		life_init_begin(m, old_owner, glibc_mutex_state(as_mutex(m)) == GLIBC_MUTEX_LIVE, &check);
	}
	int rc = REAL(mtx_init)(m, type);
	if (t) {
		ev_lock_init_done(t, m, LK_C11, CALLER_PC, old_owner, NULL, &check, rc == thrd_success);
		shim_leave();
	}
	return rc;
}

EXPORT void mtx_destroy(mtx_t *m)
{
	struct thread_rec *t = shim_enter();
	if (!t) {
		REAL(mtx_destroy)(m);
		return;
	}
	enum glibc_mutex_state st = glibc_mutex_state(as_mutex(m));
	if (st != GLIBC_MUTEX_LIVE) {
		REAL(mtx_destroy)(m);
		c11_refused(t, m, st, "mtx_destroy", -1, CALLER_PC);
		shim_leave();
		return;
	}
	if (glibc_mutex_is_locked(as_mutex(m)))
		ev_destroy_locked(t, m, LK_C11);
	REAL(mtx_destroy)(m);
	ev_lock_destroyed_at(t, m, LK_C11, 0, CALLER_PC);
	shim_leave();
}
