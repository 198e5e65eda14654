/* waits: the contended path.  A thread that cannot take a lock at once publishes what it waits for
 * (its own record only), then waits in slices: each slice that times out runs the deadlock search, so
 * a wait-for cycle is reported within a fraction of a second of closing, and an uncontended or briefly
 * contended acquisition pays nothing beyond the failed try.  Condition waits and joins publish their
 * wait the same way (for the deadlock search and the watchdog) but are not sliced: waking a condition
 * wait early would change the program's behaviour.  Semaphore waits are sliced (a timed-out attempt
 * consumed nothing and is simply made again); barrier waits cannot be.
 */
#ifndef COFFMAN_WAITS_H
#define COFFMAN_WAITS_H

#include <time.h>

#include "threads.h"

/* One timed attempt to take the lock (or the semaphore) until the absolute deadline on clock; 0,
 * ETIMEDOUT, or an error. */
typedef int (*timed_attempt_fn)(void *lock, clockid_t clock, const struct timespec *deadline);

/* Wait for a contended lock.  user_deadline NULL: until acquired; else the caller's own deadline on
 * user_clock (the wait is then never part of a deadlock). */
int wait_for_lock(struct thread_rec *t, void *lock, int kind, uintptr_t pc, timed_attempt_fn attempt,
		  clockid_t user_clock, const struct timespec *user_deadline);

/* Wait for semaphore sem to be posted: attempt(ctx, clock, deadline) is one timed wait on it.  Published
 * at once (W_SEM), sliced like a lock wait: after each slice the stack is captured and the deadlock
 * search runs (a semaphore has no owner, so only the all-threads-blocked search can find it stuck). */
int wait_for_sem(struct thread_rec *t, const void *sem, uintptr_t pc, timed_attempt_fn attempt, void *ctx,
		 clockid_t user_clock, const struct timespec *user_deadline);

/* Publish / clear a non-lock wait (condition variable, join, once). */
void wait_begin(struct thread_rec *t, int wait_kind, const void *obj, int timed, uintptr_t pc);
/* A published wait has outlasted a slice: remember where it blocks, then (search) look for a cycle
 * through this thread.  The one step every waiting loop takes between its slices. */
void wait_slice_expired(struct thread_rec *t, int search);
/* Wait for thread `th` to end via attempt(deadline) slices, searching for deadlocks between them.
 * The joined thread may not have registered yet (just created): it is looked up again each slice. */
typedef int (*timed_join_fn)(void *ctx, const struct timespec *deadline_realtime);
int wait_for_join(struct thread_rec *t, pthread_t th, uintptr_t pc, timed_join_fn attempt, void *ctx);
void wait_end(struct thread_rec *t);

#endif
