/* pthread_spin_*: same graph, same reports.  A contended spin lock keeps spinning on the real trylock,
 * and, after a slice, joins the deadlock search like any lock wait (spin locks have no timed variant,
 * so the slicing is done here).  glibc leaves a destroyed spinlock as it was: a use after destroy is
 * found in lifecycle's cache of destroyed objects (lifecycle.h). */
#include "wrap.h"
#include "lifecycle.h"
#include "api_misuse.h"
#include "waits.h"

#include <errno.h>
#include <sched.h>

#define SPIN_SLICE_NS 100000000ull

/* The word of an unlocked spinlock is not the same everywhere: glibc's x86 code counts down from 1
 * (1 free, 0 or less taken), its generic code uses 0 for free.  Learn it from the real init. */
static atomic_int unlocked_word = -1;   /* -1: not learnt yet (never a free word) */

static int spin_unlocked_word(void)
{
	int w = atomic_load_explicit(&unlocked_word, memory_order_relaxed);
	if (__builtin_expect(w == -1, 0)) {
		pthread_spinlock_t probe;
		REAL(spin_init)(&probe, PTHREAD_PROCESS_PRIVATE);
		w = (int)probe;
		atomic_store_explicit(&unlocked_word, w, memory_order_relaxed);
	}
	return w;
}

static int spin_is_locked(const pthread_spinlock_t *s)
{
	return *s != spin_unlocked_word();
}

/* A spinlock does not record its owner: locked (-1, someone) or free (0). */
static pid_t spin_owner_of(const void *lock)
{
	return spin_is_locked(lock) ? -1 : 0;
}

/* A call on a spinlock lifecycle remembers as destroyed is reported, then goes ahead (glibc lets it). */
static inline int spin_destroyed_use(struct thread_rec *t, pthread_spinlock_t *s, const char *call, uintptr_t pc)
{
	return __builtin_expect(life_maybe_destroyed((const void *)s), 0) &&
	       life_check_use(t, (const void *)s, LK_SPIN, sizeof *s, call, pc);
}

static int spin_contended(struct thread_rec *t, pthread_spinlock_t *s, uintptr_t pc)
{
	atomic_store(&t->wait_lock_kind, LK_SPIN);
	wait_begin(t, W_LOCK, (const void *)s, 0, pc);
	uint64_t next_check = now_ns() + SPIN_SLICE_NS;
	int rc;
	for (unsigned i = 1;; i++) {
		rc = REAL(spin_trylock)(s);
		if (rc != EBUSY)
			break;
		if ((i & 1023) == 0) {
			sched_yield();
			if (now_ns() >= next_check) {
				wait_slice_expired(t, 1);
				next_check = now_ns() + SPIN_SLICE_NS;
			}
		}
	}
	wait_end(t);
	return rc;
}

EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
	struct thread_rec *t = shim_enter();
	if (!t) {
		struct acquire a = { .lock = (const void *)s, .pc = CALLER_PC, .kind = LK_SPIN,
				     .relock = RELOCK_FATAL, .owner_of = spin_owner_of };
		ev_acquire_reentered(&a);       /* a signal handler relocking its thread's spinlock */
		return REAL(spin_lock)(s);
	}
	spin_destroyed_use(t, s, "pthread_spin_lock", CALLER_PC);
	struct acquire a = { .lock = (const void *)s, .pc = CALLER_PC, .kind = LK_SPIN, .relock = RELOCK_FATAL,
			     .owner_of = spin_owner_of };
	ev_before_acquire(t, &a, 1);
	int rc = REAL(spin_trylock)(s);
	if (rc == EBUSY)
		rc = spin_contended(t, s, a.pc);
	if (rc == 0)
		ev_after_acquire(t, &a, 0);
	shim_leave();
	return rc;
}

EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(spin_trylock)(s);
	spin_destroyed_use(t, s, "pthread_spin_trylock", CALLER_PC);
	int rc = REAL(spin_trylock)(s);
	if (rc == 0) {
		struct acquire a = { .lock = (const void *)s, .pc = CALLER_PC, .kind = LK_SPIN, .relock = RELOCK_FATAL,
				     .owner_of = spin_owner_of };
		ev_after_acquire(t, &a, 1);
	}
	shim_leave();
	return rc;
}

EXPORT int pthread_spin_unlock(pthread_spinlock_t *s)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(spin_unlock)(s);
	int owner_num = 0;
	if (ev_release(t, (const void *)s) != 0 && !spin_destroyed_use(t, s, "pthread_spin_unlock", CALLER_PC))
		owner_num = ev_release_unheld(t, (const void *)s, LK_SPIN, spin_owner_of((const void *)s), CALLER_PC);
	int rc = REAL(spin_unlock)(s);
	if (owner_num && rc == 0)
		ev_released_for(owner_num, (const void *)s);   /* any thread's unlock frees a spinlock */
	shim_leave();
	return rc;
}

EXPORT int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	struct thread_rec *t = shim_enter();
	struct life_init_check check;
	if (t)
		life_init_begin((const void *)s, spin_is_locked(s) ? -1 : 0,
				!(life_maybe_destroyed((const void *)s) && life_was_destroyed((const void *)s, NULL, NULL)),
				&check);
	int rc = REAL(spin_init)(s, pshared);
	if (t) {
		ev_lock_init_done(t, (const void *)s, LK_SPIN, CALLER_PC, 0, NULL, &check, rc == 0);
		if (rc != 0)
			misuse_init_failed(t, (const void *)s, LK_SPIN, "pthread_spin_init", rc, CALLER_PC);
		shim_leave();
	}
	return rc;
}

EXPORT int pthread_spin_destroy(pthread_spinlock_t *s)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(spin_destroy)(s);
	if (!spin_destroyed_use(t, s, "pthread_spin_destroy", CALLER_PC) && spin_is_locked(s))
		ev_destroy_locked(t, (const void *)s, LK_SPIN);
	int rc = REAL(spin_destroy)(s);
	if (rc == 0) {
		ev_lock_destroyed_at(t, (const void *)s, LK_SPIN, sizeof *s, CALLER_PC);
	}
	shim_leave();
	return rc;
}
