/* wrap: what every wrapper shares.  A wrapper enters the shim (re-entry guard), turns its call into
 * events, calls the real function, and leaves.  Re-entered calls — from our own allocations, libunwind,
 * libdw, or before initialisation — go straight to the real function. */
#ifndef COFFMAN_WRAP_H
#define COFFMAN_WRAP_H

#include "events.h"
#include "real.h"
#include "threads.h"

#define EXPORT __attribute__((visibility("default")))
#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static inline struct thread_rec *shim_enter(void)
{
	if (__builtin_expect(tls_guard, 0))
		return NULL;
	struct thread_rec *t = thread_self();
	if (__builtin_expect(t != NULL, 1))
		tls_guard = 1;
	return t;
}

static inline void shim_leave(void)
{
	tls_guard = 0;
}

/* Before an init wrapper reads what the memory held: make the first touch of the object (size bytes,
 * a multiple of 4) a write that changes nothing, at both ends, in case it straddles two pages.  A
 * program initialising a fresh array of locks would otherwise fault every page twice, once to map the
 * zero page for the read and once more for the init's write (1,100 faults of ~1.6 us each for 200k
 * mutexes on a VM here).  Atomic: another thread still using the object (which the init will reset
 * anyway) loses nothing. */
static inline void init_touch_for_write(void *obj, size_t size)
{
	int *last = (int *)((char *)obj + size) - 1;
	__atomic_fetch_or((int *)obj, 0, __ATOMIC_RELAXED);
	if (((uintptr_t)obj ^ (uintptr_t)last) >= 4096)        /* on another page */
		__atomic_fetch_or(last, 0, __ATOMIC_RELAXED);
}

#endif
