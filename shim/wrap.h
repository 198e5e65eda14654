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

#endif
