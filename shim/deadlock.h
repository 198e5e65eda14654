/* deadlock: the wait-for search.  Called by a thread whose lock wait has lasted a slice: follows
 * lock -> holder -> what the holder waits for (a lock, or the join of a thread) -> ... and, if the chain
 * comes back to the caller, confirms the cycle is stable and reports `deadlock`, then ends the process.
 * Also detects "every thread is blocked and none can wake another" (condition, semaphore and barrier
 * waits included: none of them has an owner to follow, so none is ever part of a cycle).
 * Runs under the registry lock; only threads already waiting a slice pay for it. */
#ifndef COFFMAN_DEADLOCK_H
#define COFFMAN_DEADLOCK_H

#include "threads.h"

void deadlock_check(struct thread_rec *self);

/* The thread holding lock: by the threads' held stacks, else the mutex's own owner field (registry
 * locked). */
struct thread_rec *deadlock_holder_of(const void *lock, int kind);

/* Describe blocked (or running) thread t in r: what it waits on, since when, what it holds, its
 * stack at the blocking call (registry locked). */
struct report;
void report_add_wait(struct report *r, struct thread_rec *t, double now_s);
/* Check the all-asleep condition from a thread that is not itself waiting (the monitor), or from one
 * about to block in a wait that cannot be sliced (a barrier). */
int deadlock_check_all_blocked(void);
/* Cheap: self, just arrived at barrier b, does not complete its round, and every other registered
 * thread is in an untimed wait (the search above may be worth its cost). */
int deadlock_barrier_would_block(const struct thread_rec *self, const void *b);

#endif
