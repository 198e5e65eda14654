/* pthread_mutex_*: the mutex entry points, reduced to events.  The mutex's type and owner are read
 * from the mutex itself (glibc_mutex.h).  So is whether it was destroyed: glibc marks a destroyed
 * mutex and refuses every later call with EINVAL, so the fast path's own trylock fails and the slow
 * path, which reads the mark, reports the use (lifecycle.h) at no cost to a live mutex. */
#include "wrap.h"
#include "glibc_mutex.h"
#include "lifecycle.h"
#include "api_misuse.h"
#include "waits.h"
#include "contention.h"
#include "stacks.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc_mutex_unlock_plain found a waiter's mark: wake one, as glibc's __lll_lock_wake does.  errno is
 * the program's: a failed futex call (none is expected) must not change it.  Returns 0, the unlock's
 * answer, so that the wrapper's call is a tail call (no stack frame on its common path). */
static __attribute__((noinline, cold)) int mutex_wake_one(pthread_mutex_t *m)
{
	int saved = errno;
	syscall(SYS_futex, &m->__data.__lock, glibc_mutex_is_pshared(m) ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, 1,
		NULL, NULL, 0);
	errno = saved;
	return 0;
}

static enum relock_policy mutex_relock_policy(const pthread_mutex_t *m)
{
	switch (glibc_mutex_type(m)) {
	case PTHREAD_MUTEX_RECURSIVE:
		return RELOCK_NEST;
	case PTHREAD_MUTEX_ERRORCHECK:
		return RELOCK_EDEADLK;
	default:
		return RELOCK_FATAL;
	}
}


/* A call on a mutex glibc refuses (destroyed, or memory that is no mutex): the real call still runs,
 * and fails as it does without the checker; nothing is recorded but the report. */
static __attribute__((noinline, cold)) int mutex_refused(struct thread_rec *t, pthread_mutex_t *m,
							 enum glibc_mutex_state st, const char *call, int rc, uintptr_t pc)
{
	life_report_use(t, m, LK_MUTEX, call, st == GLIBC_MUTEX_DESTROYED ? LIFE_DESTROYED : LIFE_UNINITIALISED, rc, pc);
	return rc;
}

#define MUTEX_REFUSED(t, m, call, real_call, pc)                                        \
	do {                                                                            \
		enum glibc_mutex_state st_ = glibc_mutex_state(m);                      \
		if (__builtin_expect(st_ != GLIBC_MUTEX_LIVE, 0)) {                     \
			int rc_ = mutex_refused(t, m, st_, call, real_call, pc);        \
			shim_leave();                                                   \
			return rc_;                                                     \
		}                                                                       \
	} while (0)

/* A mutex call on memory initialised as an rwlock or spinlock (slow paths only; api_misuse.h). */
#define MUTEX_TYPE_CHECK(t, m, call, pc)                                                     \
	do {                                                                                 \
		if (__builtin_expect(misuse_maybe_seen(m, MISUSE_SEEN_OTHER), 0))            \
			misuse_check_kind(t, m, LK_MUTEX, call, pc);                         \
	} while (0)

static int mutex_attempt(void *lock, clockid_t clock, const struct timespec *deadline)
{
	pthread_mutex_t *m = lock;
	if (REAL(mutex_clocklock))
		return real.mutex_clocklock(m, clock, deadline);
	return REAL(mutex_timedlock)(m, deadline);
}

/* user_deadline NULL: a plain blocking lock. */
static inline __attribute__((always_inline)) int mutex_acquire(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc, clockid_t clock,
			 const struct timespec *user_deadline)
{
	struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = mutex_relock_policy(m),
			     .owner_of = glibc_mutex_owner_of };
	if (user_deadline && a.relock == RELOCK_FATAL)
		a.relock = RELOCK_TIMED;
	struct unwind_context here;     /* this frame, for a capture made below it */
	if (ev_capture_likely(t, m) && stack_save_context(&here) == 0)
		a.ctx = &here;
	if (ev_before_acquire(t, &a, 1) == EV_REFUSE)
		return EDEADLK;
	int rc = REAL(mutex_trylock)(m);
	if (rc == EBUSY)
		rc = wait_for_lock(t, m, LK_MUTEX, pc, mutex_attempt,
				   user_deadline ? clock : (real.mutex_clocklock ? CLOCK_MONOTONIC : CLOCK_REALTIME),
				   user_deadline);
	if (rc == 0 || rc == EOWNERDEAD)
		ev_after_acquire(t, &a, 0);
	return rc;
}

static __attribute__((noinline)) int mutex_lock_slow(pthread_mutex_t *m, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t) {
		/* Re-entered, maybe by a signal handler locking a mutex its thread holds. */
		struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = mutex_relock_policy(m),
				     .owner_of = glibc_mutex_owner_of };
		ev_acquire_reentered(&a);
		return REAL(mutex_lock)(m);
	}
	ev_prefetch_new_edge(t, m);
	MUTEX_REFUSED(t, m, "pthread_mutex_lock", REAL(mutex_lock)(m), pc);
	MUTEX_TYPE_CHECK(t, m, "pthread_mutex_lock", pc);
	int rc = mutex_acquire(t, m, pc, CLOCK_REALTIME, NULL);
	shim_leave();
	return rc;
}

/* The fast path's try found the mutex busy, owned by another thread (or by a hold the thread's stack
 * does not list), and the edge into it known: wait right away, without a second try (a failed try on a contended
 * mutex moves its cache line between cores). */
static __attribute__((noinline)) int mutex_lock_contended(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	tls_guard = 1;
	int rc = wait_for_lock(t, m, LK_MUTEX, pc, mutex_attempt, real.mutex_clocklock ? CLOCK_MONOTONIC : CLOCK_REALTIME,
			       NULL);
	if (rc == 0 || rc == EOWNERDEAD) {
		int stale = held_find(t, m);    /* the mutex was not the thread's: an entry is stale */
		if (stale >= 0)
			held_remove(t, stale);
		ev_push_held(t, m, pc, LK_MUTEX, 0);
	}
	tls_guard = 0;
	return rc;
}

/* The fast path's acquisition of a mutex its own trylock leaves to glibc (recursive, robust, priority
 * protocols, elided, destroyed, or glibc forcing elision): the checks the inline trylock answered for
 * a plain mutex (is it held already: a recursive one nests), then glibc's trylock and the same steps.
 * Out of line, so that the common case makes no call and saves no register. */
static __attribute__((noinline)) int mutex_lock_fast_glibc(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	if (held_find(t, m) >= 0 || !ev_fast_edge_known(t, m))
		return mutex_lock_slow(m, pc);
	int rc = real.mutex_trylock(m);
	/* EOWNERDEAD: a robust mutex whose owner died is now ours (the caller must make it consistent);
	 * anything but EBUSY is the real lock's own answer. */
	if (rc == 0 || rc == EOWNERDEAD) {
		ev_push_held(t, m, pc, LK_MUTEX, 0);
		return rc;
	}
	if (rc == EBUSY)
		return mutex_lock_contended(t, m, pc);
	return mutex_lock_slow(m, pc);
}

/* The profiled fast path's count when profile_quick_commit cannot make it. */
static __attribute__((noinline)) int mutex_profile_count(struct thread_rec *t, pthread_mutex_t *m)
{
	profile_count_excl(t, m, LK_MUTEX);
	return 0;
}

/* The fast path's trylock took a plain mutex, and the edge into it is not in the thread's cache: the
 * lock-order edges and the push, as the slow path makes them before a blocking acquisition.  Made
 * after the acquisition, which changes nothing they record: the mutex was free, so this acquisition
 * neither waited nor could close a wait-for cycle.  Any entry of m in the held stack is stale (the
 * mutex was free: re-initialised or released behind the thread's back) and goes first. */
static __attribute__((noinline)) int mutex_locked_new_edge(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	/* Under a trylocked top the fast path did not look (ev_fast_edge_known): a thread that records no
	 * stack and knows every edge the acquisition makes only pushes, as the fast path would have. */
	if (t->capture_budget <= 0 && t->nheld > 0 && (t->held[t->nheld - 1].flags & HELD_TRYLOCK) &&
	    ev_trylock_run_known(t, m) && held_find(t, m) < 0) {
		ev_push_held(t, m, pc, LK_MUTEX, 0);
		return 0;
	}
	tls_guard = 1;
	struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = mutex_relock_policy(m),
			     .owner_of = glibc_mutex_owner_of, .held_idx = -1 };
	struct unwind_context here;     /* this frame, for a capture made below it */
	if (ev_capture_likely(t, m) && stack_save_context(&here) == 0)
		a.ctx = &here;
	int stale = held_find(t, m);
	if (stale >= 0)
		held_remove(t, stale);
	if (t->nheld > 0) {
		int top = t->nheld - 1;
		edge_cache_sync_epoch(t);
		if ((t->held[top].flags & HELD_TRYLOCK) ||
		    !edge_cache_lookup(t, t->held[top].lock, m, gate_for(t, top)))
			ev_add_order_edges(t, &a);
	}
	ev_after_acquire(t, &a, 0);
	tls_guard = 0;
	return 0;
}

/* The fast path's acquisition for a thread with a capture budget (young, or it made a new edge lately:
 * its next holds record their stacks, for the edges that are likely to follow).  As the fast path: a
 * plain mutex that is free, taken by the inline trylock, its edge known; then the hold as the slow
 * path records it, with the stack captured from this frame.  Anything else takes the slow path, which
 * such a thread otherwise took for every acquisition while its budget lasted. */
static __attribute__((noinline)) int mutex_lock_capturing(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	int budget = t->capture_budget;
	/* The slow path's checks of the memory too: a young thread's acquisitions are where misuse (a
	 * destroyed mutex, an rwlock's memory) is caught. */
	if (budget == HELD_CAPTURE_WATCH || (unsigned)t->nheld >= HELD_MAX ||
	    atomic_load_explicit(&t->nreleased, memory_order_relaxed) != 0 ||
	    glibc_mutex_state(m) != GLIBC_MUTEX_LIVE || misuse_maybe_seen(m, MISUSE_SEEN_OTHER))
		return mutex_lock_slow(m, pc);
	ev_prefetch_new_edge(t, m);     /* as the slow path: the lines a new edge reads first */
	int rc = glibc_mutex_trylock_plain(m, t->glibc_id);
	if (rc != 0)
		return mutex_lock_slow(m, pc);  /* busy (a wait, or a double lock), or not plain */
	if (!ev_fast_edge_known(t, m))
		return mutex_locked_new_edge(t, m, pc);
	tls_guard = 1;
	struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = mutex_relock_policy(m),
			     .owner_of = glibc_mutex_owner_of, .held_idx = -1 };
	struct unwind_context here;     /* this frame, where the capture starts */
	if (stack_save_context(&here) == 0)
		a.ctx = &here;
	ev_after_acquire(t, &a, 0);
	tls_guard = 0;
	return 0;
}

/* The hot path, kept tight on purpose: a registered thread that records no stack now; the mutex taken
 * by the inline trylock (glibc_mutex.h) — so it was free, and the thread did not hold it — and the
 * edge from the top held lock already in the thread's cache.  Nothing here can re-enter the shim, so
 * the guard is not even raised.  A busy mutex owned by the thread itself is a double lock: the slow
 * path reports it.  Anything else takes the full path.  Two copies: without the contention profile,
 * and with it (its slot looked up before the trylock, counted after). */
static inline __attribute__((always_inline)) int mutex_lock_fast(pthread_mutex_t *m, uintptr_t pc, int profiled)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard && ev_fast_enter_ok(t), 1)) {
		struct prof_quick q = { 0 };
		if (profiled)
			profile_quick_peek(t, m, &q);
		int rc = glibc_mutex_trylock_plain(m, t->glibc_id);
		if (__builtin_expect(rc == 0, 1)) {
			if (__builtin_expect(!ev_fast_edge_known(t, m), 0))
				return mutex_locked_new_edge(t, m, pc);
			ev_push_held_unprofiled(t, m, pc, LK_MUTEX, 0);
			if (profiled && !(q.slot && profile_quick_commit(t, &q)))
				return mutex_profile_count(t, m);       /* a tail call: no frame here */
			return 0;
		}
		if (rc == EBUSY && m->__data.__owner != t->glibc_id && ev_fast_edge_known(t, m))
			return mutex_lock_contended(t, m, pc);
		if (rc < 0)
			return mutex_lock_fast_glibc(t, m, pc);
	} else if (t != NULL && !tls_guard && t->capture_budget > 0) {
		return mutex_lock_capturing(t, m, pc);
	}
	return mutex_lock_slow(m, pc);
}

/* The hot entry points start on a cache line (HOT_ALIGNED): where the linker happens to put them
 * otherwise moved the nested benchmark by 5% from one build to the next (bench/ab), as the loop's
 * code straddled one more 64-byte fetch block or not. */
#define HOT_ALIGNED __attribute__((aligned(64)))

static __attribute__((noinline)) HOT_ALIGNED int mutex_lock_profiled(pthread_mutex_t *m, uintptr_t pc)
{
	return mutex_lock_fast(m, pc, 1);
}

EXPORT HOT_ALIGNED int pthread_mutex_lock(pthread_mutex_t *m)
{
	/* Profiling: one predictable branch when off. */
	if (__builtin_expect(profile_on, 0))
		return mutex_lock_profiled(m, CALLER_PC);
	return mutex_lock_fast(m, CALLER_PC, 0);
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mutex_timedlock)(m, abstime);
	MUTEX_REFUSED(t, m, "pthread_mutex_timedlock", REAL(mutex_timedlock)(m, abstime), CALLER_PC);
	MUTEX_TYPE_CHECK(t, m, "pthread_mutex_timedlock", CALLER_PC);
	int rc = mutex_acquire(t, m, CALLER_PC, CLOCK_REALTIME, abstime);
	shim_leave();
	return rc;
}

EXPORT int pthread_mutex_clocklock(pthread_mutex_t *restrict m, clockid_t clock,
				   const struct timespec *restrict abstime)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mutex_clocklock)(m, clock, abstime);
	MUTEX_REFUSED(t, m, "pthread_mutex_clocklock", REAL(mutex_clocklock)(m, clock, abstime), CALLER_PC);
	MUTEX_TYPE_CHECK(t, m, "pthread_mutex_clocklock", CALLER_PC);
	int rc = mutex_acquire(t, m, CALLER_PC, clock, abstime);
	shim_leave();
	return rc;
}

/* What a trylock's answer means for the thread: the hold (a trylock makes no edge of its own), and the
 * streak of failures the livelock report counts.  Guard raised by the caller. */
static void mutex_trylock_done(struct thread_rec *t, pthread_mutex_t *m, int rc, uintptr_t pc)
{
	if (rc == 0 || rc == EOWNERDEAD) {
		struct acquire a = { .lock = m, .pc = pc, .kind = LK_MUTEX, .relock = mutex_relock_policy(m),
				     .owner_of = glibc_mutex_owner_of };
		ev_after_acquire(t, &a, 1);
	}
	contention_trylock(t, m, LK_MUTEX, rc, pc);     /* livelock: failure streaks */
}

static __attribute__((noinline)) int mutex_trylock_slow(pthread_mutex_t *m, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mutex_trylock)(m);
	MUTEX_REFUSED(t, m, "pthread_mutex_trylock", REAL(mutex_trylock)(m), pc);
	MUTEX_TYPE_CHECK(t, m, "pthread_mutex_trylock", pc);
	int rc = REAL(mutex_trylock)(m);
	mutex_trylock_done(t, m, rc, pc);
	shim_leave();
	return rc;
}

/* The fast path's trylock answered (taken with a stale entry of m in the held stack or on the lock of
 * the thread's failure streak, or busy): the rest as the slow path does it. */
static __attribute__((noinline)) int mutex_trylock_answered(struct thread_rec *t, pthread_mutex_t *m, int rc,
							    uintptr_t pc)
{
	tls_guard = 1;
	mutex_trylock_done(t, m, rc, pc);
	tls_guard = 0;
	return rc;
}

/* The hot path, as pthread_mutex_lock's: a registered thread that records no stack now and counts no
 * profile, a plain mutex taken by the inline trylock.  A trylock makes no lock-order edge (it cannot
 * wait), so what is left is the push, marked as a trylock's: the locks taken under it make edges from
 * it and from the lock below (ev_trylock_run_known, reached from mutex_locked_new_edge).  C++'s std::lock and std::scoped_lock of two
 * mutexes take the second with a trylock, memcached its item locks while it evicts.  Before this, every
 * trylock took the slow path: 22 ns against glibc's 7 (bench/README.md). */
EXPORT HOT_ALIGNED int pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard && !profile_on && ev_fast_enter_ok(t), 1)) {
		int rc = glibc_mutex_trylock_plain(m, t->glibc_id);
		if (__builtin_expect(rc == 0, 1)) {
			if (__builtin_expect(t->try_streak_lock == m || held_find(t, m) >= 0, 0))
				return mutex_trylock_answered(t, m, 0, CALLER_PC);
			ev_push_trylocked_unprofiled(t, m, CALLER_PC, LK_MUTEX, 0);
			return 0;
		}
		if (rc == EBUSY)
			return mutex_trylock_answered(t, m, EBUSY, CALLER_PC);
	}
	return mutex_trylock_slow(m, CALLER_PC);
}

static __attribute__((noinline)) int mutex_unlock_slow(pthread_mutex_t *m, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mutex_unlock)(m);
	MUTEX_REFUSED(t, m, "pthread_mutex_unlock", REAL(mutex_unlock)(m), pc);
	MUTEX_TYPE_CHECK(t, m, "pthread_mutex_unlock", pc);
	int owner_num = 0;
	if (ev_release(t, m) != 0)
		owner_num = ev_release_unheld(t, m, LK_MUTEX, glibc_mutex_owner(m), pc);
	int rc = REAL(mutex_unlock)(m);
	if (owner_num && rc == 0)
		ev_released_for(owner_num, m);         /* a normal mutex lets a non-owner release it */
	shim_leave();
	return rc;
}

/* With the contention profile: a waiter was there at the release, so this critical section (taken at
 * pc) made it wait.  The blame is written before the wake, so a waiter that slept reads this stack. */
static __attribute__((noinline, cold)) int mutex_wake_one_blamed(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	profile_blame_release(t, m, pc);
	return mutex_wake_one(m);
}

/* With the contention profile, a mutex glibc releases: its lock word says, before the release,
 * whether anyone waits. */
static __attribute__((noinline)) int mutex_release_other_profiled(struct thread_rec *t, pthread_mutex_t *m, uintptr_t pc)
{
	if (glibc_mutex_maybe_waiters(m))
		profile_blame_release(t, m, pc);
	return real.mutex_unlock(m);
}

/* The release itself, once the held stack is popped: a plain mutex inline, as glibc would
 * (glibc_mutex.h), any other by glibc.  Every call is a tail call.  Profiled (a constant in each
 * caller), a waiter to blame the critical section on (taken at pc) is found the way the release finds
 * the one to wake: in the old value of the lock word the inline release exchanges anyway. */
static inline __attribute__((always_inline)) int mutex_release(struct thread_rec *t, pthread_mutex_t *m,
							       int profiled, uintptr_t pc)
{
	int released = glibc_mutex_unlock_plain(m, t->glibc_id);
	if (__builtin_expect(released == 0, 1))
		return 0;
	if (released > 0)
		return profiled ? mutex_wake_one_blamed(t, m, pc) : mutex_wake_one(m);
	return profiled ? mutex_release_other_profiled(t, m, pc) : real.mutex_unlock(m);
}

/* The hot path's release with the contention profile on, when this hold is timed: its time ends first,
 * then the same release as an untimed one. */
static __attribute__((noinline)) int mutex_unlock_timed(struct thread_rec *t, pthread_mutex_t *m, int top)
{
	uintptr_t pc = t->held[top].pc;
	profile_hold_ended(t, m);
	t->nheld = top;
	return mutex_release(t, m, 1, pc);
}

/* Hot path: releasing the innermost lock, held once. */
EXPORT HOT_ALIGNED int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct thread_rec *t = tls_self;
	if (__builtin_expect(t != NULL && !tls_guard, 1)) {
		int top = t->nheld - 1;
		if (__builtin_expect(top >= 0 && t->held[top].lock == m && t->held[top].depth == 1, 1)) {
			/* Profiling: one predictable branch when off.  On, one more test — is this hold
			 * timed (the hold's own flag) — and a waiter to blame is found by the release
			 * itself (mutex_release, profiled).  The acquisition site is read before the pop:
			 * a signal handler's lock, after it, may reuse the entry. */
			if (__builtin_expect(profile_on, 0)) {
				/* The empty asm keeps the compiler from sharing this block's address
				 * arithmetic with the path above, whose code (without the profile) then
				 * stays as it is without this block: 5% on the nested benchmark. */
				__asm__("" : "+r"(top));
				const struct held_lock *h = &t->held[top];
				if (h->flags & HELD_TIMED)
					return mutex_unlock_timed(t, m, top);
				uintptr_t pc = h->pc;
				t->nheld = top;
				return mutex_release(t, m, 1, pc);
			}
			t->nheld = top;
			return mutex_release(t, m, 0, 0);
		}
	}
	return mutex_unlock_slow(m, CALLER_PC);
}

EXPORT int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr)
{
	struct thread_rec *t = shim_enter();
	struct unwind_context here, *ctx = NULL;       /* this frame, for finding the init's caller */
	if (t && init_site_wants_context(&t->init_sites, CALLER_PC) && stack_save_context(&here) == 0)
		ctx = &here;
	struct life_init_check check;
	pid_t old_owner = 0;            /* what the memory held before */
	if (t) {
		init_touch_for_write(m, sizeof *m);
		old_owner = glibc_mutex_owner(m);
		life_init_begin(m, old_owner, glibc_mutex_state(m) == GLIBC_MUTEX_LIVE, &check);
	}
	int rc = REAL(mutex_init)(m, attr);
	if (t) {
		ev_lock_init_done(t, m, LK_MUTEX, CALLER_PC, old_owner, ctx, &check, rc == 0);
		if (rc != 0)
			misuse_init_failed(t, m, LK_MUTEX, "pthread_mutex_init", rc, CALLER_PC);
		shim_leave();
	}
	return rc;
}

EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(mutex_destroy)(m);
	MUTEX_REFUSED(t, m, "pthread_mutex_destroy", REAL(mutex_destroy)(m), CALLER_PC);
	if (misuse_maybe_seen(m, MISUSE_SEEN_OTHER) && misuse_check_kind(t, m, LK_MUTEX, "pthread_mutex_destroy", CALLER_PC)) {
		int rc = REAL(mutex_destroy)(m);        /* an rwlock's memory: nothing of ours to forget */
		shim_leave();
		return rc;
	}
	if (glibc_mutex_is_locked(m))
		ev_destroy_locked(t, m, LK_MUTEX);
	int rc = REAL(mutex_destroy)(m);
	if (rc == 0) {
		ev_lock_destroyed_at(t, m, LK_MUTEX, 0, CALLER_PC);
	}
	shim_leave();
	return rc;
}
