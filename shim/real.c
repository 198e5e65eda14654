/* Resolving the real functions behind the wrappers (real.h): dlsym(RTLD_NEXT), dlvsym for the
 * condition variables, and glibc's __pthread_* aliases as the fallback until then. */
#include "real.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <sched.h>
#include <stddef.h>

struct real_fns real;

/* glibc's exported aliases: they are the real implementation even before dlsym can be called. */
extern int __pthread_mutex_init(pthread_mutex_t *, const pthread_mutexattr_t *);
extern int __pthread_mutex_destroy(pthread_mutex_t *);
extern int __pthread_mutex_lock(pthread_mutex_t *);
extern int __pthread_mutex_trylock(pthread_mutex_t *);
extern int __pthread_mutex_unlock(pthread_mutex_t *);
extern int __pthread_rwlock_init(pthread_rwlock_t *, const pthread_rwlockattr_t *);
extern int __pthread_rwlock_destroy(pthread_rwlock_t *);
extern int __pthread_rwlock_rdlock(pthread_rwlock_t *);
extern int __pthread_rwlock_wrlock(pthread_rwlock_t *);
extern int __pthread_rwlock_tryrdlock(pthread_rwlock_t *);
extern int __pthread_rwlock_trywrlock(pthread_rwlock_t *);
extern int __pthread_rwlock_unlock(pthread_rwlock_t *);

static void *next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void *next_versioned(const char *name, const char *version)
{
	void *p = dlvsym(RTLD_NEXT, name, version);
	return p ? p : dlsym(RTLD_NEXT, name);
}

/* Install the always-available aliases first, so a wrapper re-entered while dlsym runs (dlsym may
 * allocate, and an allocator may lock) still reaches a real lock. */
static void install_fallbacks(void)
{
	if (!real.mutex_init) real.mutex_init = __pthread_mutex_init;
	if (!real.mutex_destroy) real.mutex_destroy = __pthread_mutex_destroy;
	if (!real.mutex_lock) real.mutex_lock = __pthread_mutex_lock;
	if (!real.mutex_trylock) real.mutex_trylock = __pthread_mutex_trylock;
	if (!real.mutex_unlock) real.mutex_unlock = __pthread_mutex_unlock;
	if (!real.rwlock_init) real.rwlock_init = __pthread_rwlock_init;
	if (!real.rwlock_destroy) real.rwlock_destroy = __pthread_rwlock_destroy;
	if (!real.rwlock_rdlock) real.rwlock_rdlock = __pthread_rwlock_rdlock;
	if (!real.rwlock_wrlock) real.rwlock_wrlock = __pthread_rwlock_wrlock;
	if (!real.rwlock_tryrdlock) real.rwlock_tryrdlock = __pthread_rwlock_tryrdlock;
	if (!real.rwlock_trywrlock) real.rwlock_trywrlock = __pthread_rwlock_trywrlock;
	if (!real.rwlock_unlock) real.rwlock_unlock = __pthread_rwlock_unlock;
}

#define RESOLVE(field, sym) do { void *p_ = next_symbol(sym); if (p_) *(void **)&real.field = p_; } while (0)
#define RESOLVE_V(field, sym, ver) do { void *p_ = next_versioned(sym, ver); if (p_) *(void **)&real.field = p_; } while (0)

void real_resolve(void)
{
	static atomic_int state;        /* 0 never, 1 in progress, 2 done */
	static __thread int resolving;  /* this thread is inside dlsym: re-entry uses the fallbacks */
	int expected = 0;

	install_fallbacks();
	if (!atomic_compare_exchange_strong(&state, &expected, 1)) {
		/* Another thread is resolving: wait for it, unless the re-entry is our own. */
		while (!resolving && atomic_load(&state) != 2)
			sched_yield();
		return;
	}
	resolving = 1;

	RESOLVE(mutex_init, "pthread_mutex_init");
	RESOLVE(mutex_destroy, "pthread_mutex_destroy");
	RESOLVE(mutex_lock, "pthread_mutex_lock");
	RESOLVE(mutex_trylock, "pthread_mutex_trylock");
	RESOLVE(mutex_timedlock, "pthread_mutex_timedlock");
	RESOLVE(mutex_clocklock, "pthread_mutex_clocklock");
	RESOLVE(mutex_unlock, "pthread_mutex_unlock");

	RESOLVE(rwlock_init, "pthread_rwlock_init");
	RESOLVE(rwlock_destroy, "pthread_rwlock_destroy");
	RESOLVE(rwlock_rdlock, "pthread_rwlock_rdlock");
	RESOLVE(rwlock_wrlock, "pthread_rwlock_wrlock");
	RESOLVE(rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
	RESOLVE(rwlock_trywrlock, "pthread_rwlock_trywrlock");
	RESOLVE(rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
	RESOLVE(rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
	RESOLVE(rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
	RESOLVE(rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
	RESOLVE(rwlock_unlock, "pthread_rwlock_unlock");

	RESOLVE(spin_init, "pthread_spin_init");
	RESOLVE(spin_destroy, "pthread_spin_destroy");
	RESOLVE(spin_lock, "pthread_spin_lock");
	RESOLVE(spin_trylock, "pthread_spin_trylock");
	RESOLVE(spin_unlock, "pthread_spin_unlock");

	RESOLVE_V(cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
	RESOLVE_V(cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
	RESOLVE(cond_clockwait, "pthread_cond_clockwait");
	RESOLVE_V(cond_init, "pthread_cond_init", "GLIBC_2.3.2");
	RESOLVE_V(cond_destroy, "pthread_cond_destroy", "GLIBC_2.3.2");
	RESOLVE_V(cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
	RESOLVE_V(cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");

	RESOLVE(once, "pthread_once");

	/* The default version of each (see real.h): on x86-64 its older versions are the same code. */
	RESOLVE(sem_init, "sem_init");
	RESOLVE(sem_destroy, "sem_destroy");
	RESOLVE(sem_open, "sem_open");
	RESOLVE(sem_close, "sem_close");
	RESOLVE(sem_wait, "sem_wait");
	RESOLVE(sem_timedwait, "sem_timedwait");
	RESOLVE(sem_clockwait, "sem_clockwait");
	RESOLVE(sem_trywait, "sem_trywait");
	RESOLVE(sem_post, "sem_post");
	RESOLVE(barrier_init, "pthread_barrier_init");
	RESOLVE(barrier_destroy, "pthread_barrier_destroy");
	RESOLVE(barrier_wait, "pthread_barrier_wait");
	RESOLVE(create, "pthread_create");
	RESOLVE(join, "pthread_join");
	RESOLVE(timedjoin_np, "pthread_timedjoin_np");
	RESOLVE(clockjoin_np, "pthread_clockjoin_np");
	RESOLVE(thread_exit, "pthread_exit");
	RESOLVE(cancel, "pthread_cancel");

	RESOLVE(mtx_init, "mtx_init");
	RESOLVE(mtx_destroy, "mtx_destroy");
	RESOLVE(mtx_lock, "mtx_lock");
	RESOLVE(mtx_trylock, "mtx_trylock");
	RESOLVE(mtx_timedlock, "mtx_timedlock");
	RESOLVE(mtx_unlock, "mtx_unlock");
	RESOLVE(thrd_join, "thrd_join");
	RESOLVE(thrd_create, "thrd_create");
	RESOLVE(thrd_exit, "thrd_exit");

	RESOLVE(fork, "fork");

	RESOLVE(dlclose, "dlclose");

	resolving = 0;
	atomic_store(&state, 2);
}
