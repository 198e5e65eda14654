/* coffman/annotate.h: tell coffman about a lock it cannot see.
 *
 * coffman checks the locks it interposes (pthread, C11).  A lock built on something else — a spinlock
 * on C11 atomics, a futex lock, a project's own wrapper, a lock from another language's runtime — is
 * invisible to it.  Put these macros in that lock's functions and it takes part in everything a mutex
 * does: the lock-order graph (lock-order-inversion), double-lock, bad-unlock, destroy-locked, the
 * deadlock search (through COFFMAN_LOCK_WAIT_BEGIN) and the watchdog.
 *
 *   COFFMAN_LOCK_CREATED(lock, name, flags)  after the lock is initialised; name says what kind of lock it
 *                                            is ("ticket spinlock"): reports print it where a pthread
 *                                            lock's kind ("mutex") goes.  Optional (an address never
 *                                            created is an "annotated lock", non-recursive).
 *   COFFMAN_LOCK_DESTROYED(lock)             before its memory is destroyed or reused
 *   COFFMAN_LOCK_ACQUIRING(lock, flags)      before a blocking acquisition: a double lock is reported
 *                                            here, before the thread spins on itself forever
 *   COFFMAN_LOCK_ACQUIRED(lock, flags)       after any successful acquisition (COFFMAN_ANNOTATE_TRY
 *                                            for a try-lock, which needs no ACQUIRING before it)
 *   COFFMAN_LOCK_RELEASING(lock, flags)      just before the store or call that releases it
 *   COFFMAN_LOCK_WAIT_BEGIN(lock)            the lock is taken by another thread and this one is about
 *                                            to wait for it (spin, futex wait); once per acquisition
 *   COFFMAN_LOCK_WAIT_END(lock)              the wait is over (acquired or given up)
 *
 * `lock` is any address that identifies the lock (usually the lock object itself); `flags` is 0 or an
 * OR of COFFMAN_ANNOTATE_RECURSIVE, COFFMAN_ANNOTATE_TRY and COFFMAN_ANNOTATE_SHARED below.  Arguments
 * are evaluated only when coffman is there, like assert's: give them no side effects.
 *
 * Without coffman the macros cost one load and one predictable branch each: the first use in each
 * translation unit looks up coffman's entry points with dlsym (found only when libcoffman.so is
 * preloaded) and remembers the answer.  Nothing is linked: no library, no link option (glibc 2.34 and
 * later have dlsym in libc; older ones need -ldl).  Define COFFMAN_ANNOTATE_DISABLE to compile them to
 * nothing at all.  The first use in a translation unit calls dlsym, which is not async-signal-safe:
 * do not make it from a signal handler.
 *
 * C99 or C++98 and later, gcc or clang (uses __atomic builtins).  pkg-config --cflags coffman.
 */
#ifndef COFFMAN_ANNOTATE_H
#define COFFMAN_ANNOTATE_H

/* The holder may take the lock again (nested holds, released as often as taken).  At creation, or on
 * each acquisition. */
#define COFFMAN_ANNOTATE_RECURSIVE 1u
/* COFFMAN_LOCK_ACQUIRED: a try-lock succeeded.  It never waited, so it orders nothing before it. */
#define COFFMAN_ANNOTATE_TRY 2u
/* A read (shared) hold of a reader-writer lock: a second read hold by the same thread nests; a write
 * request while holding it for reading is reported as a double lock (an upgrade waits for itself). */
#define COFFMAN_ANNOTATE_SHARED 4u

/* What libcoffman.so exports as the data symbol "coffman_annotate_v1".  The functions are exported one
 * by one as well (coffman_annotate_lock_created, ..._lock_destroyed, ..._lock_acquiring,
 * ..._lock_acquired, ..._lock_releasing, ..._wait_begin, ..._wait_end), for other languages. */
struct coffman_annotate_v1 {
	unsigned long size;     /* sizeof the table: later versions only append */
	void (*lock_created)(const volatile void *lock, const char *name, unsigned flags);
	void (*lock_destroyed)(const volatile void *lock);
	void (*lock_acquiring)(const volatile void *lock, unsigned flags);
	void (*lock_acquired)(const volatile void *lock, unsigned flags);
	void (*lock_releasing)(const volatile void *lock, unsigned flags);
	void (*wait_begin)(const volatile void *lock);
	void (*wait_end)(const volatile void *lock);
};

#ifdef COFFMAN_ANNOTATE_DISABLE

/* Each argument is still an expression of the program's (no "unused" warnings for a lock that only
 * the annotations name), evaluated for nothing. */
#define COFFMAN_LOCK_CREATED(lock, name, flags) do { (void)(lock); (void)(name); (void)(flags); } while (0)
#define COFFMAN_LOCK_DESTROYED(lock) do { (void)(lock); } while (0)
#define COFFMAN_LOCK_ACQUIRING(lock, flags) do { (void)(lock); (void)(flags); } while (0)
#define COFFMAN_LOCK_ACQUIRED(lock, flags) do { (void)(lock); (void)(flags); } while (0)
#define COFFMAN_LOCK_RELEASING(lock, flags) do { (void)(lock); (void)(flags); } while (0)
#define COFFMAN_LOCK_WAIT_BEGIN(lock) do { (void)(lock); } while (0)
#define COFFMAN_LOCK_WAIT_END(lock) do { (void)(lock); } while (0)

#else

#include <dlfcn.h>

/* C++ spells a null pointer and a cast its own way (strict warning sets flag the C spelling). */
#ifdef __cplusplus
#if __cplusplus >= 201103L
#define COFFMAN_ANNOTATE_NULL_ nullptr
#else
#define COFFMAN_ANNOTATE_NULL_ __null
#endif
#define COFFMAN_ANNOTATE_TABLE_CAST_(p) static_cast<const struct coffman_annotate_v1 *>(p)
#else
#define COFFMAN_ANNOTATE_NULL_ ((void *)0)
#define COFFMAN_ANNOTATE_TABLE_CAST_(p) ((const struct coffman_annotate_v1 *)(p))
#endif

/* coffman's table, or a null pointer when the program runs without it.  One cached answer per
 * translation unit: the first call asks dlsym (RTLD_DEFAULT, spelled as the null handle so that the
 * header needs no _GNU_SOURCE), every later call is one load.  Two threads racing on the first call
 * both ask and store the same answer. */
static __inline__ const struct coffman_annotate_v1 *coffman_annotate_table_(void)
{
	static const char coffman_annotate_absent_ = 0;        /* "looked, not there" */
	static const void *coffman_annotate_cached_;           /* null: not looked yet */
	const void *p = __atomic_load_n(&coffman_annotate_cached_, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!p, 0)) {
		p = dlsym(COFFMAN_ANNOTATE_NULL_, "coffman_annotate_v1");
		if (!p)
			p = &coffman_annotate_absent_;
		__atomic_store_n(&coffman_annotate_cached_, p, __ATOMIC_RELEASE);
	}
	if (p == &coffman_annotate_absent_)
		return COFFMAN_ANNOTATE_NULL_;
	return COFFMAN_ANNOTATE_TABLE_CAST_(p);
}

#define COFFMAN_ANNOTATE_CALL_(member, args)                                              \
	do {                                                                              \
		const struct coffman_annotate_v1 *coffman_annotate_t_ = coffman_annotate_table_(); \
		if (__builtin_expect(!!coffman_annotate_t_, 0))                           \
			coffman_annotate_t_->member args;                                 \
	} while (0)

#define COFFMAN_LOCK_CREATED(lock, name, flags) COFFMAN_ANNOTATE_CALL_(lock_created, ((lock), (name), (flags)))
#define COFFMAN_LOCK_DESTROYED(lock) COFFMAN_ANNOTATE_CALL_(lock_destroyed, ((lock)))
#define COFFMAN_LOCK_ACQUIRING(lock, flags) COFFMAN_ANNOTATE_CALL_(lock_acquiring, ((lock), (flags)))
#define COFFMAN_LOCK_ACQUIRED(lock, flags) COFFMAN_ANNOTATE_CALL_(lock_acquired, ((lock), (flags)))
#define COFFMAN_LOCK_RELEASING(lock, flags) COFFMAN_ANNOTATE_CALL_(lock_releasing, ((lock), (flags)))
#define COFFMAN_LOCK_WAIT_BEGIN(lock) COFFMAN_ANNOTATE_CALL_(wait_begin, ((lock)))
#define COFFMAN_LOCK_WAIT_END(lock) COFFMAN_ANNOTATE_CALL_(wait_end, ((lock)))

#endif /* COFFMAN_ANNOTATE_DISABLE */

#endif /* COFFMAN_ANNOTATE_H */
