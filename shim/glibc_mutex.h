/* glibc_mutex: everything the shim reads from inside a glibc pthread_mutex_t (mtx_t is the same
 * object), and the little it reads from rwlocks, condition variables (the process-shared bit among it)
 * and once controls.  These fields are ABI — PTHREAD_MUTEX_INITIALIZER is compiled into programs — so
 * reading them is stable, and it spares the fast path any per-lock table: the lock itself says its type
 * and its owner.  Kept in one place so that the knowledge of glibc's layout lives nowhere else. */
#ifndef COFFMAN_GLIBC_MUTEX_H
#define COFFMAN_GLIBC_MUTEX_H

#include <errno.h>
#include <pthread.h>
#include <sys/single_threaded.h>
#include <sys/types.h>

#define GLIBC_MUTEX_KIND_MASK 3         /* normal / recursive / error-checking / adaptive */
#define GLIBC_MUTEX_ROBUST_BIT 16       /* PTHREAD_MUTEX_ROBUST_NORMAL_NP */
#define GLIBC_MUTEX_PSHARED_BIT 128     /* PTHREAD_MUTEX_PSHARED_BIT */
#define GLIBC_MUTEX_ELISION_BIT 256     /* PTHREAD_MUTEX_ELISION_NP: an elided hold writes no owner */

/* Every bit a live mutex's __kind can carry: type, robust, priority inherit/protect, process-shared,
 * elision on/off.  pthread_mutex_destroy stores -1 there, and glibc then refuses every call with
 * EINVAL; any other stray bit means the memory was never initialised as a mutex. */
#define GLIBC_MUTEX_KIND_BITS (3 | 16 | 32 | 64 | 128 | 256 | 512)
#define GLIBC_MUTEX_DESTROYED_KIND (-1)

enum glibc_mutex_state { GLIBC_MUTEX_LIVE = 0, GLIBC_MUTEX_DESTROYED, GLIBC_MUTEX_GARBAGE };

/* Read only on slow paths (a failed call, an unlock not ours, a wait, init, destroy). */
static inline enum glibc_mutex_state glibc_mutex_state(const pthread_mutex_t *m)
{
	int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
	if (kind == GLIBC_MUTEX_DESTROYED_KIND)
		return GLIBC_MUTEX_DESTROYED;
	return (kind & ~GLIBC_MUTEX_KIND_BITS) ? GLIBC_MUTEX_GARBAGE : GLIBC_MUTEX_LIVE;
}

static inline int glibc_mutex_type(const pthread_mutex_t *m)
{
	return m->__data.__kind & GLIBC_MUTEX_KIND_MASK;
}

static inline int glibc_mutex_is_robust(const pthread_mutex_t *m)
{
	return (m->__data.__kind & GLIBC_MUTEX_ROBUST_BIT) != 0;
}

static inline int glibc_mutex_is_pshared(const pthread_mutex_t *m)
{
	return (m->__data.__kind & GLIBC_MUTEX_PSHARED_BIT) != 0;
}

static inline int glibc_mutex_is_locked(const pthread_mutex_t *m)
{
	return m->__data.__lock != 0;
}

/* What the mutex says about its owner: >0 that thread's tid, 0 unlocked, -1 locked, owner unknown. */
static inline pid_t glibc_mutex_owner(const pthread_mutex_t *m)
{
	if (!glibc_mutex_is_locked(m))
		return 0;
	return m->__data.__owner > 0 ? m->__data.__owner : -1;
}

/* The same, for deciding whether a hold this thread recorded is still real: a lock elision
 * (hardware transaction) holds the mutex without writing it, so there the answer is "unknown". */
static inline pid_t glibc_mutex_owner_of(const void *lock)
{
	const pthread_mutex_t *m = lock;
	if (m->__data.__kind & GLIBC_MUTEX_ELISION_BIT)
		return -1;
	return glibc_mutex_owner(m);
}

/* Whether a thread may be asleep waiting for the locked mutex m (read by its holder just before the
 * release): a waiter marks glibc's lock word before it sleeps and the mark stays until the release —
 * the value 2 (normal, recursive, error-checking, adaptive; the low bits under a priority ceiling), or
 * FUTEX_WAITERS (robust, priority-inheriting).  The mark can outlive the last waiter (a woken waiter
 * sets it again), so yes means maybe; no while a waiter sleeps is impossible, bar elided holds, which
 * write no lock word at all.  The word is on the line the release writes anyway. */
#define GLIBC_MUTEX_PI_BIT 32           /* PTHREAD_MUTEX_PRIO_INHERIT_NP */
#define GLIBC_MUTEX_PP_BIT 64           /* PTHREAD_MUTEX_PRIO_PROTECT_NP */
#define GLIBC_MUTEX_CEILING_MASK ((1u << 19) - 1)       /* below PTHREAD_MUTEX_PRIO_CEILING_SHIFT */
#define GLIBC_FUTEX_WAITERS 0x80000000u

static inline int glibc_mutex_maybe_waiters(const pthread_mutex_t *m)
{
	unsigned v = (unsigned)__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
	int kind = m->__data.__kind;
	if (__builtin_expect(kind & (GLIBC_MUTEX_ROBUST_BIT | GLIBC_MUTEX_PI_BIT | GLIBC_MUTEX_PP_BIT), 0))
		return kind & GLIBC_MUTEX_PP_BIT ? (v & GLIBC_MUTEX_CEILING_MASK) > 1 : (v & GLIBC_FUTEX_WAITERS) != 0;
	return v > 1;
}

/* The lock fast path's own trylock, for the mutexes where glibc's pthread_mutex_trylock (2.36, nptl
 * pthread_mutex_trylock.c) is nothing but: the type bits (__kind & (127 | ELISION_NP): the
 * process-shared bit and NO_ELISION_NP do not count) say normal/timed, error-checking or adaptive;
 * the lock word is read, and if it is 0 a compare-and-swap 0 -> 1 with acquire ordering takes it;
 * then ++__nusers and __owner = the thread's tid as glibc has it (THREAD_SELF->tid); otherwise EBUSY.
 * The same stores, in the same words, so glibc's unlock, cond wait and every reader of the mutex see
 * exactly what glibc's trylock would have left.  Excluded, and left to glibc: recursive (counts),
 * robust, priority-inherit/protect (kernel protocols), elided (bit 256), a destroyed mutex (__kind -1)
 * — and everything when glibc forces elision (glibc.elision.enable=1 turns a timed mutex into an
 * elided one on first use): the caller passes id 0 then, see threads.c's glibc_self_id.
 * Returns 0 (taken), EBUSY, or -1: not such a mutex, call glibc. */
#define GLIBC_MUTEX_TYPE_ELISION_MASK (127 | GLIBC_MUTEX_ELISION_BIT)     /* types 0 normal, 1 recursive, 2 errorcheck, 3 adaptive */

static inline int glibc_mutex_trylock_plain(pthread_mutex_t *m, pid_t id)
{
	unsigned type = (unsigned)__atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED) & GLIBC_MUTEX_TYPE_ELISION_MASK;
	if (__builtin_expect(!(type == 0 || (type | 1) == 3) || id == 0, 0))
		return -1;
	int expected = 0;
	if (__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0 ||
	    !__atomic_compare_exchange_n(&m->__data.__lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return EBUSY;
	m->__data.__nusers++;
	m->__data.__owner = id;
	return 0;
}

/* The unlock fast path's own release, the counterpart of glibc_mutex_trylock_plain: glibc 2.36's
 * pthread_mutex_unlock (nptl pthread_mutex_unlock.c, __pthread_mutex_unlock_usercnt with decr 1) for a
 * normal/timed or adaptive mutex is: __owner = 0, --__nusers, then the lock word set to 0 — with a
 * plain store when the process is single-threaded (__libc_single_threaded) and the mutex is not
 * process-shared, else an exchange, and when the old value says a waiter may sleep (2), a FUTEX_WAKE
 * of one (private unless process-shared).  An error-checking mutex first checks that the caller owns
 * it and that it is locked (else EPERM).  The same stores and the same wake, so a waiter, glibc's
 * own lock and every reader of the mutex see what glibc's unlock would have left.  Left to glibc:
 * recursive, robust, priority protocols, elided, and everything when id is 0 (glibc forces elision, or
 * its trylock and unlock did not leave a probe mutex as these copies would: threads.c).
 * Returns 0 (released), 1 (released, and a waiter may sleep: the caller wakes one, as glibc would), or -1:
 * not such a mutex, call glibc. */
static inline int glibc_mutex_unlock_plain(pthread_mutex_t *m, pid_t id)
{
	int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
	unsigned type = (unsigned)kind & GLIBC_MUTEX_TYPE_ELISION_MASK;
	if (__builtin_expect(!(type == 0 || type == 3) || id == 0, 0)) {
		if (type != 2 || id == 0 || m->__data.__owner != id || m->__data.__lock == 0)
			return -1;
	}
	m->__data.__owner = 0;
	m->__data.__nusers--;
	int pshared = kind & GLIBC_MUTEX_PSHARED_BIT;
	if (!pshared && __libc_single_threaded) {
		__atomic_store_n(&m->__data.__lock, 0, __ATOMIC_RELEASE);
		return 0;
	}
	return __atomic_exchange_n(&m->__data.__lock, 0, __ATOMIC_RELEASE) > 1;
}

/* A pthread_rwlock_t: the writer's tid in __cur_writer; the reader count above three state bits of
 * __readers.  What it says about its owner: >0 the writer, -1 read-locked, 0 unlocked. */
#define GLIBC_RWLOCK_READER_SHIFT 3

static inline pid_t glibc_rwlock_owner(const pthread_rwlock_t *rw)
{
	if (rw->__data.__cur_writer)
		return rw->__data.__cur_writer;
	return (rw->__data.__readers >> GLIBC_RWLOCK_READER_SHIFT) ? -1 : 0;
}

/* A pthread_cond_t: pthread_cond_destroy sets the wake-request flag (bit 2 of __wrefs) and nothing
 * clears it but an init; a live condition variable never has it set outside a destroy. */
#define GLIBC_COND_WAKE_REQUEST 4u

static inline int glibc_cond_destroyed(const pthread_cond_t *c)
{
	return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & GLIBC_COND_WAKE_REQUEST) != 0;
}

/* A pthread_once_t (an int): bit 0 set while some thread runs its init routine.  glibc clears the word
 * when the routine is cancelled or throws, so a once this thread recorded as "running" whose word says
 * otherwise was left by an unwinding, not by a return. */
#define GLIBC_ONCE_IN_PROGRESS 1

static inline int glibc_once_in_progress(const void *once)
{
	return (__atomic_load_n((const int *)once, __ATOMIC_RELAXED) & GLIBC_ONCE_IN_PROGRESS) != 0;
}

static inline pid_t glibc_once_owner_of(const void *once)
{
	return glibc_once_in_progress(once) ? -1 : 0;
}

/* And the one bit read from a glibc pthread_cond_t (cnd_t is the same object): bit 0 of __wrefs is set
 * by pthread_cond_init for PTHREAD_PROCESS_SHARED and never changes (waiters count in steps of 8). */
#define GLIBC_COND_PSHARED_BIT 1u

static inline int glibc_cond_is_pshared(const pthread_cond_t *c)
{
	return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & GLIBC_COND_PSHARED_BIT) != 0;
}

#endif
