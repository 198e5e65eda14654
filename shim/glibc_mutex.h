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

/* And the one bit read from a glibc pthread_cond_t (cnd_t is the same object): bit 0 of __wrefs is set
 * by pthread_cond_init for PTHREAD_PROCESS_SHARED and never changes (waiters count in steps of 8). */
#define GLIBC_COND_PSHARED_BIT 1u

static inline int glibc_cond_is_pshared(const pthread_cond_t *c)
{
	return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & GLIBC_COND_PSHARED_BIT) != 0;
}

#endif
