/* pthread_rwlock_*: read and write holds join the same lock-order graph as mutexes.  Re-acquiring rules
 * follow glibc: a writer asking again (read or write) gets EDEADLK; a reader asking to write (upgrade)
 * waits for itself forever; a reader reading again is fine for the default reader-preferring rwlock but
 * deadlocks a writer-preferring one as soon as a writer queues in between — reported, not fatal.
 * The owner fields (__cur_writer, __readers) are glibc ABI, read only when an unlock is not ours.
 * glibc leaves a destroyed rwlock as it was: a use after destroy is found in lifecycle's cache of
 * destroyed objects, after one read of its bucket's count (lifecycle.h). */
#include "wrap.h"
#include "glibc_mutex.h"
#include "lifecycle.h"
#include "stacks.h"
#include "api_misuse.h"
#include "waits.h"

#include <errno.h>

static int rw_held_shared(const struct thread_rec *t, const pthread_rwlock_t *rw, int *held)
{
	int idx = held_find(t, rw);
	*held = idx >= 0;
	return idx >= 0 && (t->held[idx].flags & HELD_SHARED);
}

static int writer_preferring(const pthread_rwlock_t *rw)
{
	return rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
}

static pid_t rwlock_owner(const pthread_rwlock_t *rw)
{
	return glibc_rwlock_owner(rw);
}

static pid_t rwlock_owner_of(const void *lock)
{
	return rwlock_owner(lock);
}

/* A call on an rwlock lifecycle remembers as destroyed is reported, then goes ahead (glibc lets it). */
static inline int rw_destroyed_use(struct thread_rec *t, pthread_rwlock_t *rw, const char *call, uintptr_t pc)
{
	return __builtin_expect(life_maybe_destroyed(rw), 0) && life_check_use(t, rw, LK_RWLOCK, sizeof *rw, call, pc);
}

/* An rwlock call on memory initialised as a mutex.  Checked while the thread is in its first, stack-
 * recording acquisitions (already a slow path), and on unlocks of a lock not held and on destroy:
 * never a lookup on a warm rwlock path. */
static inline void rw_type_check(struct thread_rec *t, pthread_rwlock_t *rw, const char *call, uintptr_t pc)
{
	if (__builtin_expect(t->capture_budget > 0, 0) && misuse_maybe_seen(rw, MISUSE_SEEN_MUTEX))
		misuse_check_kind(t, rw, LK_RWLOCK, call, pc);
}

static int rd_attempt(void *lock, clockid_t clock, const struct timespec *deadline)
{
	if (REAL(rwlock_clockrdlock))
		return real.rwlock_clockrdlock(lock, clock, deadline);
	return REAL(rwlock_timedrdlock)(lock, deadline);
}

static int wr_attempt(void *lock, clockid_t clock, const struct timespec *deadline)
{
	if (REAL(rwlock_clockwrlock))
		return real.rwlock_clockwrlock(lock, clock, deadline);
	return REAL(rwlock_timedwrlock)(lock, deadline);
}

static int rw_acquire(struct thread_rec *t, pthread_rwlock_t *rw, int shared, uintptr_t pc, clockid_t clock,
		      const struct timespec *user_deadline)
{
	int held;
	int held_shared = rw_held_shared(t, rw, &held);
	struct acquire a = { .lock = rw, .pc = pc, .kind = LK_RWLOCK, .shared = (uint8_t)shared,
			     .owner_of = rwlock_owner_of };
	if (held && !held_shared)
		a.relock = RELOCK_EDEADLK;
	else if (held && !shared) {
		a.relock = user_deadline ? RELOCK_TIMED : RELOCK_FATAL;
		a.relock_why = "read-to-write upgrade: the write lock waits for this thread's own read lock";
	} else if (held && writer_preferring(rw)) {
		a.relock = RELOCK_EDEADLK;      /* report it; the call below still goes ahead */
		a.relock_why = "recursive read lock of a writer-preferring rwlock: it deadlocks as soon as a "
			       "writer queues between the two read locks (the lock is taken; the program continues)";
	} else
		a.relock = RELOCK_NEST;
	struct unwind_context here;     /* this frame, for a capture made below it */
	if (ev_capture_likely(t, rw) && stack_save_context(&here) == 0)
		a.ctx = &here;
	enum ev_verdict v = ev_before_acquire(t, &a, 1);
	if (v == EV_REFUSE && !(held && held_shared && shared))
		return EDEADLK;
	int rc = shared ? REAL(rwlock_tryrdlock)(rw) : REAL(rwlock_trywrlock)(rw);
	if (rc == EBUSY)
		rc = wait_for_lock(t, rw, LK_RWLOCK, pc, shared ? rd_attempt : wr_attempt,
				   user_deadline ? clock : (real.rwlock_clockrdlock ? CLOCK_MONOTONIC : CLOCK_REALTIME),
				   user_deadline);
	if (rc == 0) {
		a.relock = RELOCK_NEST;
		ev_after_acquire(t, &a, 0);
	}
	return rc;
}

static int rw_try(struct thread_rec *t, pthread_rwlock_t *rw, int shared, uintptr_t pc)
{
	int rc = shared ? REAL(rwlock_tryrdlock)(rw) : REAL(rwlock_trywrlock)(rw);
	if (rc == 0) {
		/* A second read hold nests; a write hold this thread had could not be taken again. */
		struct acquire a = { .lock = rw, .pc = pc, .kind = LK_RWLOCK, .shared = (uint8_t)shared,
				     .relock = shared ? RELOCK_NEST : RELOCK_FATAL };
		ev_after_acquire(t, &a, 1);
	}
	return rc;
}

/* The blocking acquisitions' full path: everything rw_acquire checks, for whatever the fast path below
 * does not take (re-entered, a thread recording stacks, a lock it holds already, a new edge, an
 * rwlock lifecycle may remember as destroyed, a try that failed otherwise than busy). */
static __attribute__((noinline)) int rw_lock_slow(pthread_rwlock_t *rw, int shared, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	const char *call = shared ? "pthread_rwlock_rdlock" : "pthread_rwlock_wrlock";
	if (!t)
		return shared ? REAL(rwlock_rdlock)(rw) : REAL(rwlock_wrlock)(rw);
	ev_prefetch_new_edge(t, rw);
	rw_destroyed_use(t, rw, call, pc);
	rw_type_check(t, rw, call, pc);
	int rc = rw_acquire(t, rw, shared, pc, CLOCK_REALTIME, NULL);
	shim_leave();
	return rc;
}

/* The fast path's try found the rwlock busy (held by another thread: the thread itself holds it not at
 * all), the edge into it known: the same sliced wait rw_acquire makes, then the same push. */
static __attribute__((noinline)) int rw_lock_contended(struct thread_rec *t, pthread_rwlock_t *rw, int shared,
							uintptr_t pc)
{
	tls_guard = 1;
	int rc = wait_for_lock(t, rw, LK_RWLOCK, pc, shared ? rd_attempt : wr_attempt,
			       real.rwlock_clockrdlock ? CLOCK_MONOTONIC : CLOCK_REALTIME, NULL);
	if (rc == 0) {
		struct acquire a = { .lock = rw, .pc = pc, .kind = LK_RWLOCK, .shared = (uint8_t)shared,
				     .relock = RELOCK_NEST, .owner_of = rwlock_owner_of, .held_idx = -1 };
		ev_after_acquire(t, &a, 0);
	}
	tls_guard = 0;
	return rc;
}

/* The hot path, as the mutex's (wrap_mutex.c): a registered thread that records no stack now, does not
 * hold this rwlock (a read or write hold it has already decides a relock: the full path), whose edge
 * from its top held lock is in its cache, on an rwlock whose lifecycle bucket has never held a
 * destroyed object.  Then rw_acquire would check nothing and add no edge: glibc's own try, and the push — or,
 * busy, the wait.  Nothing here re-enters the shim (glibc's try makes no call we interpose), so the
 * guard is not raised.  With the full path every time, a lock/unlock pair cost 200 instructions of
 * ours; with this one, about 80 (bench/README.md). */
static inline __attribute__((always_inline)) int rw_lock_fast(pthread_rwlock_t *rw, int shared, uintptr_t pc)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard && ev_fast_enter_ok(t) && !life_maybe_destroyed(rw) &&
			     held_find(t, rw) < 0 && ev_fast_edge_known(t, rw), 1)) {
		/* real is resolved before any thread registers (init.c). */
		int rc = shared ? real.rwlock_tryrdlock(rw) : real.rwlock_trywrlock(rw);
		if (__builtin_expect(rc == 0, 1)) {
			ev_push_held(t, rw, pc, LK_RWLOCK, shared);
			return 0;
		}
		if (rc == EBUSY)
			return rw_lock_contended(t, rw, shared, pc);
	}
	return rw_lock_slow(rw, shared, pc);
}

EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	return rw_lock_fast(rw, 1, CALLER_PC);
}

EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	return rw_lock_fast(rw, 0, CALLER_PC);
}

#define RW_TIMED_WRAPPER(name, realname, shared)                                \
	EXPORT int name(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime) \
	{                                                                       \
		struct thread_rec *t = shim_enter();                            \
		if (!t)                                                         \
			return REAL(realname)(rw, abstime);                     \
		rw_destroyed_use(t, rw, #name, CALLER_PC);                      \
		rw_type_check(t, rw, #name, CALLER_PC);                         \
		int rc = rw_acquire(t, rw, shared, CALLER_PC, CLOCK_REALTIME, abstime); \
		shim_leave();                                                   \
		return rc;                                                      \
	}

RW_TIMED_WRAPPER(pthread_rwlock_timedrdlock, rwlock_timedrdlock, 1)
RW_TIMED_WRAPPER(pthread_rwlock_timedwrlock, rwlock_timedwrlock, 0)

#define RW_CLOCK_WRAPPER(name, realname, shared)                                \
	EXPORT int name(pthread_rwlock_t *restrict rw, clockid_t clock,         \
			const struct timespec *restrict abstime)                \
	{                                                                       \
		struct thread_rec *t = shim_enter();                            \
		if (!t)                                                         \
			return REAL(realname)(rw, clock, abstime);              \
		rw_destroyed_use(t, rw, #name, CALLER_PC);                      \
		rw_type_check(t, rw, #name, CALLER_PC);                         \
		int rc = rw_acquire(t, rw, shared, CALLER_PC, clock, abstime);  \
		shim_leave();                                                   \
		return rc;                                                      \
	}

RW_CLOCK_WRAPPER(pthread_rwlock_clockrdlock, rwlock_clockrdlock, 1)
RW_CLOCK_WRAPPER(pthread_rwlock_clockwrlock, rwlock_clockwrlock, 0)

static __attribute__((noinline)) int rw_try_slow(pthread_rwlock_t *rw, int shared, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	const char *call = shared ? "pthread_rwlock_tryrdlock" : "pthread_rwlock_trywrlock";
	if (!t)
		return shared ? REAL(rwlock_tryrdlock)(rw) : REAL(rwlock_trywrlock)(rw);
	rw_destroyed_use(t, rw, call, pc);
	rw_type_check(t, rw, call, pc);
	int rc = rw_try(t, rw, shared, pc);
	shim_leave();
	return rc;
}

/* The tries' hot path, as rw_lock_fast's and the mutex trylock's: a registered thread that records no
 * stack and counts no profile, that does not hold this rwlock, on an rwlock lifecycle has never seen
 * destroyed; then glibc's own try, and a hold pushed as a trylock's (a try makes no edge).  A busy
 * answer needs nothing more.  Anything else takes the full path. */
static inline __attribute__((always_inline)) int rw_try_fast(pthread_rwlock_t *rw, int shared, uintptr_t pc)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard && !profile_on && ev_fast_enter_ok(t) &&
			     !life_maybe_destroyed(rw) && held_find(t, rw) < 0, 1)) {
		int rc = shared ? real.rwlock_tryrdlock(rw) : real.rwlock_trywrlock(rw);
		if (__builtin_expect(rc == 0, 1)) {
			ev_push_trylocked_unprofiled(t, rw, pc, LK_RWLOCK, shared);
			return 0;
		}
		if (rc == EBUSY)
			return rc;
	}
	return rw_try_slow(rw, shared, pc);
}

EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	return rw_try_fast(rw, 1, CALLER_PC);
}

EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	return rw_try_fast(rw, 0, CALLER_PC);
}

static __attribute__((noinline)) int rw_unlock_slow(pthread_rwlock_t *rw, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(rwlock_unlock)(rw);
	if (ev_release(t, rw) != 0 && !rw_destroyed_use(t, rw, "pthread_rwlock_unlock", pc) &&
	    !(misuse_maybe_seen(rw, MISUSE_SEEN_MUTEX) &&
	      misuse_check_kind(t, rw, LK_RWLOCK, "pthread_rwlock_unlock", pc)))
		ev_release_unheld(t, rw, LK_RWLOCK, rwlock_owner(rw), pc);
	int rc = REAL(rwlock_unlock)(rw);
	shim_leave();
	return rc;
}

/* The profiled hot path's release: the profile's look at this hold (timed?) and at the lock's waiters. */
static __attribute__((noinline)) int rw_unlock_profiled(struct thread_rec *t, pthread_rwlock_t *rw, int top)
{
	tls_guard = 1;
	profile_released(t, rw, LK_RWLOCK, t->held[top].pc);
	t->nheld = top;
	tls_guard = 0;
	return REAL(rwlock_unlock)(rw);
}

/* Hot path: releasing the innermost hold, held once (ev_release's common case).  glibc's unlock makes
 * no call we interpose, so the guard is not raised, and the call is a tail call. */
EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard, 1)) {
		int top = t->nheld - 1;
		if (__builtin_expect(top >= 0 && t->held[top].lock == rw && t->held[top].depth == 1, 1)) {
			if (__builtin_expect(profile_on, 0))
				return rw_unlock_profiled(t, rw, top);
			t->nheld = top;
			return real.rwlock_unlock(rw);        /* resolved: the thread is registered */
		}
	}
	return rw_unlock_slow(rw, CALLER_PC);
}

EXPORT int pthread_rwlock_init(pthread_rwlock_t *restrict rw, const pthread_rwlockattr_t *restrict attr)
{
	struct thread_rec *t = shim_enter();
	struct unwind_context here, *ctx = NULL;       /* this frame, for finding the init's caller */
	if (t && init_site_wants_context(&t->init_sites, CALLER_PC) && stack_save_context(&here) == 0)
		ctx = &here;
	struct life_init_check check;
	pid_t old_writer = 0;           /* what the memory held before */
	if (t) {
		init_touch_for_write(rw, sizeof *rw);
		old_writer = rw->__data.__cur_writer;
		life_init_begin(rw, rwlock_owner(rw), !(life_maybe_destroyed(rw) && life_was_destroyed(rw, NULL, NULL)),
				&check);
	}
	int rc = REAL(rwlock_init)(rw, attr);
	if (t) {
		ev_lock_init_done(t, rw, LK_RWLOCK, CALLER_PC, old_writer, ctx, &check, rc == 0);
		if (rc != 0)
			misuse_init_failed(t, rw, LK_RWLOCK, "pthread_rwlock_init", rc, CALLER_PC);
		shim_leave();
	}
	return rc;
}

EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(rwlock_destroy)(rw);
	if (misuse_maybe_seen(rw, MISUSE_SEEN_MUTEX) &&
	    misuse_check_kind(t, rw, LK_RWLOCK, "pthread_rwlock_destroy", CALLER_PC)) {
		int rc = REAL(rwlock_destroy)(rw);      /* a mutex's memory: nothing of ours to forget */
		shim_leave();
		return rc;
	}
	if (!rw_destroyed_use(t, rw, "pthread_rwlock_destroy", CALLER_PC) && rwlock_owner(rw) != 0)
		ev_destroy_locked(t, rw, LK_RWLOCK);
	int rc = REAL(rwlock_destroy)(rw);
	if (rc == 0) {
		ev_lock_destroyed_at(t, rw, LK_RWLOCK, sizeof *rw, CALLER_PC);
	}
	shim_leave();
	return rc;
}
