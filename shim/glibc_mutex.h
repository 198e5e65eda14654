/* glibc_mutex: everything the shim reads from inside a glibc pthread_mutex_t (mtx_t is the same
 * object), and the process-shared bit of a pthread_cond_t.  These fields are ABI —
 * PTHREAD_MUTEX_INITIALIZER is compiled into programs — so reading them is stable, and it spares the
 * fast path any per-lock table: the lock itself says its type and its owner.  Kept in one place so
 * that the knowledge of glibc's layout lives nowhere else. */
#ifndef COFFMAN_GLIBC_MUTEX_H
#define COFFMAN_GLIBC_MUTEX_H

#include <pthread.h>
#include <sys/types.h>

#define GLIBC_MUTEX_KIND_MASK 3         /* normal / recursive / error-checking / adaptive */
#define GLIBC_MUTEX_ROBUST_BIT 16       /* PTHREAD_MUTEX_ROBUST_NORMAL_NP */
#define GLIBC_MUTEX_PSHARED_BIT 128     /* PTHREAD_MUTEX_PSHARED_BIT */
#define GLIBC_MUTEX_ELISION_BIT 256     /* PTHREAD_MUTEX_ELISION_NP: an elided hold writes no owner */

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
