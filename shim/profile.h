/* profile: the contention profile (COFFMAN_PROFILE=PATH): where time went, per lock and per call site.
 *
 * Collected while the program runs, written at exit (and shown with a watchdog hang report):
 *   - per lock: acquisitions (exact; read holds of an rwlock apart), contended acquisitions, wait
 *     total/mean/max, hold total/mean/max, distinct holder threads, owner changes;
 *   - a top-N table by total wait on the report stream (profile_print_table);
 *   - PATH: a pprof profile (uncompressed protobuf, encoded in libcoffman-deps.so with protobuf-c)
 *     with the wait time attributed twice, as Go's mutex profile does: to the waiter's stack
 *     (contentions/delay) and to the holder's critical section that made it wait (the holder's stack
 *     at its release: holder_contentions/holder_delay);
 *   - PATH.folded: the waiters' stacks folded for flame graphs ("root;...;leaf;[lock NAME] usecs").
 *
 * Cost.  Off: each acquisition and each release tests one read-mostly flag (profile_on) that never
 * changes after load — one predictable branch, the rest of the fast path is as before.  On:
 *   - an acquisition bumps a counter in the thread's own table, a direct-mapped array keyed by the
 *     lock's address (no lock, no shared line written; a collision hands the evicted lock's counts to
 *     the shared record, which is rare);
 *   - the owner-change count reads the lock record's last owner, a line written only when the owner
 *     does change (when the lock's own line moves between cores anyway);
 *   - hold time is timed for a sample of acquisitions only (the first few of each lock per thread,
 *     then one in PROFILE_HOLD_EVERY): two clock reads on every hold would cost more than the lock.
 *     Totals are estimated as the sampled mean times the exact count; the max is the sampled max;
 *   - wait time is measured on the contended path only (the wait costs more than the clock reads):
 *     that path updates the shared record and, once per call site, captures the waiter's stack; a
 *     release with a waiter present captures the releasing stack, once per acquisition site.
 * Threads' tables are read at exit without stopping the threads; a thread's counts go to the shared
 * records when it exits.
 */
#ifndef COFFMAN_PROFILE_H
#define COFFMAN_PROFILE_H

#include <stdint.h>

#include "threads.h"

/* 1 when COFFMAN_PROFILE is set; written once at load, alone on its cache line. */
extern struct profile_flag {
	int on;
	char pad[60];
} profile_flag __attribute__((aligned(64)));
#define profile_on (profile_flag.on)

void profile_init(void);                /* after config_load */
void profile_after_fork_child(void);

/* Slow halves of the hooks below. */
void profile_acquired_slow(struct thread_rec *t, const void *lock, int kind, int shared);
void profile_released_slow(struct thread_rec *t, const void *lock, uintptr_t acquired_pc);

/* t took lock (first hold, or a nested one). */
static inline void profile_acquired(struct thread_rec *t, const void *lock, int kind, int shared)
{
	if (__builtin_expect(profile_on, 0))
		profile_acquired_slow(t, lock, kind, shared);
}

/* t's hold of lock ends (acquired_pc: where it took it). */
static inline void profile_released(struct thread_rec *t, const void *lock, uintptr_t acquired_pc)
{
	if (__builtin_expect(profile_on, 0))
		profile_released_slow(t, lock, acquired_pc);
}

/* Around a contended wait (waits.c): begin returns the start time, end records the wait. */
uint64_t profile_wait_begin(struct thread_rec *t, const void *lock, int kind);
void profile_wait_end(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, uint64_t began, int acquired);

/* t is exiting: hand its counts to the shared records. */
void profile_thread_exit(struct thread_rec *t);

/* The top-N table on the report stream (the watchdog's hang report shows it too). */
void profile_print_table(void);
/* At exit: the table, PATH and PATH.folded.  Once per process. */
void profile_at_exit(void);

#endif
