/* api_misuse: calls the threading API refuses, and objects used as another type than they were made.
 * What Helgrind and DRD report as "call failed" or "not a mutex", reported under coffman's kinds:
 *
 *   use-after-destroy  an *_init that fails (pthread_mutex_init with a junk attribute object, ...): the
 *                      object stays uninitialised, so every later use of it is one of memory that is not
 *                      the object; a mutex call on memory initialised as an rwlock or spinlock, an
 *                      rwlock call on memory initialised as a mutex
 *   cond-misuse        a timed condition wait refused (EINVAL) because its deadline is malformed
 *   double-lock        pthread_join of the calling thread: it would wait for its own end (glibc refuses
 *                      with EDEADLK; the program goes on)
 *
 * Costs: nothing on the lock/unlock fast paths.  The type check runs on slow paths only (a wrapper's
 * full path, an unlock of a lock not held, a destroy), and there only after one byte of a table says an
 * object of the other type was initialised at an address hashing to the same bucket; the failure checks
 * run when the real call has failed.
 *
 * Every function is called with the re-entry guard raised. */
#ifndef COFFMAN_API_MISUSE_H
#define COFFMAN_API_MISUSE_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "lifecycle.h"
#include "threads.h"

/* Per bucket (life_bucket()): which types of lock were initialised at an address hashing there. */
#define MISUSE_SEEN_MUTEX 1u    /* pthread_mutex_init, mtx_init */
#define MISUSE_SEEN_OTHER 2u    /* pthread_rwlock_init, pthread_spin_init */

extern atomic_uchar misuse_seen[LIFE_BUCKETS];

/* Might obj have been initialised as a lock of a type in mask?  0 means certainly not.  One load. */
static inline int misuse_maybe_seen(const void *obj, unsigned mask)
{
	return (atomic_load_explicit(&misuse_seen[life_bucket(obj)], memory_order_relaxed) & mask) != 0;
}

/* obj was initialised as a lock of kind (LK_MUTEX, LK_C11, LK_RWLOCK, LK_SPIN). */
void misuse_note_init(const void *obj, int kind);

/* t calls `call`, a function for locks of kind `expected`, on obj: if obj was initialised as a lock of
 * another type (and not destroyed since), report use-after-destroy.  Returns 1 if it reported. */
int misuse_check_kind(struct thread_rec *t, const void *obj, int expected, const char *call, uintptr_t pc);

/* `call` (e.g. "pthread_mutex_init") on obj, of kind, failed with rc: report use-after-destroy. */
void misuse_init_failed(struct thread_rec *t, const void *obj, int kind, const char *call, int rc, uintptr_t pc);

/* A timed condition wait on c failed with EINVAL: if the deadline is malformed (tv_nsec out of range,
 * or an unknown clock), report cond-misuse and return 1. */
int misuse_cond_deadline(struct thread_rec *t, const void *c, const char *call, clockid_t clock,
			 const struct timespec *abstime, uintptr_t pc);

/* pthread_join of the calling thread: report double-lock. */
void misuse_join_self(struct thread_rec *t, uintptr_t pc);

#endif
