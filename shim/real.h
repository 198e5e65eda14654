/* real: the genuine implementations behind every function the shim interposes.
 *
 * Resolved once by real_resolve() (from the library constructor, or lazily by the first wrapper that
 * runs before it: other libraries' constructors may lock first).  Each pointer comes from
 * dlsym(RTLD_NEXT), so a further interposer loaded after us still sees its calls; the condition-variable
 * functions come from dlvsym(..., "GLIBC_2.3.2") because plain dlsym finds the old 2.2.5 ABI.  The
 * semaphore functions also have several versions (GLIBC_2.2.5/2.34 on x86-64, and a pre-2.1 ABI with a
 * different sem_t on i386): plain dlsym gives the default version, the ABI of every program built
 * against a glibc of this century, which is the one our unversioned wrappers receive.  Until a
 * pointer is resolved, the mutex and rwlock entries fall back to glibc's exported __pthread_* aliases,
 * so even the earliest call locks for real.
 */
#ifndef COFFMAN_REAL_H
#define COFFMAN_REAL_H

#include <pthread.h>
#include <semaphore.h>
#include <threads.h>
#include <time.h>

struct real_fns {
	int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
	int (*mutex_destroy)(pthread_mutex_t *);
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);

	int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
	int (*rwlock_destroy)(pthread_rwlock_t *);
	int (*rwlock_rdlock)(pthread_rwlock_t *);
	int (*rwlock_wrlock)(pthread_rwlock_t *);
	int (*rwlock_tryrdlock)(pthread_rwlock_t *);
	int (*rwlock_trywrlock)(pthread_rwlock_t *);
	int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_unlock)(pthread_rwlock_t *);

	int (*spin_init)(pthread_spinlock_t *, int);
	int (*spin_destroy)(pthread_spinlock_t *);
	int (*spin_lock)(pthread_spinlock_t *);
	int (*spin_trylock)(pthread_spinlock_t *);
	int (*spin_unlock)(pthread_spinlock_t *);

	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*cond_init)(pthread_cond_t *, const pthread_condattr_t *);
	int (*cond_destroy)(pthread_cond_t *);
	int (*cond_signal)(pthread_cond_t *);
	int (*cond_broadcast)(pthread_cond_t *);

	int (*once)(pthread_once_t *, void (*)(void));

	int (*sem_init)(sem_t *, int, unsigned);
	int (*sem_destroy)(sem_t *);
	sem_t *(*sem_open)(const char *, int, ...);
	int (*sem_close)(sem_t *);
	int (*sem_wait)(sem_t *);
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*sem_trywait)(sem_t *);
	int (*sem_post)(sem_t *);
	int (*barrier_init)(pthread_barrier_t *, const pthread_barrierattr_t *, unsigned);
	int (*barrier_destroy)(pthread_barrier_t *);
	int (*barrier_wait)(pthread_barrier_t *);

	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	int (*join)(pthread_t, void **);
	int (*timedjoin_np)(pthread_t, void **, const struct timespec *);
	int (*clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
	void (*thread_exit)(void *) __attribute__((noreturn));
	int (*cancel)(pthread_t);

	int (*mtx_init)(mtx_t *, int);
	void (*mtx_destroy)(mtx_t *);
	int (*mtx_lock)(mtx_t *);
	int (*mtx_trylock)(mtx_t *);
	int (*mtx_timedlock)(mtx_t *restrict, const struct timespec *restrict);
	int (*mtx_unlock)(mtx_t *);
	int (*thrd_join)(thrd_t, int *);
	int (*thrd_create)(thrd_t *, thrd_start_t, void *);
	void (*thrd_exit)(int) __attribute__((noreturn));

	pid_t (*fork)(void);

	int (*dlclose)(void *);
};

extern struct real_fns real __attribute__((visibility("hidden")));        /* hidden: as order_epoch */

/* Fill `real`; idempotent and safe to call from any wrapper at any time. */
void real_resolve(void);

/* The wrappers call REAL(name) so a call that arrives before the constructor still resolves. */
#define REAL(name) (__builtin_expect(real.name != NULL, 1) ? real.name : (real_resolve(), real.name))

#endif
