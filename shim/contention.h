/* contention: the starvation and livelock detectors.
 *
 * Starvation.  A lock wait that lasts a slice is published (waits.c); from then on the lock is
 * "watched": the waiter gets a slot in a small table here, and every other thread's capture_budget is
 * set to HELD_CAPTURE_WATCH, a value the lock fast paths already test (ev_fast_enter_ok: budget > 0
 * means slow path).  So while, and only while, some thread has waited a slice for a lock, the other
 * threads' acquisitions take the slow path, where ev_after_acquire counts those of watched locks
 * (contention_seen).  No thread pays anything when no wait is that long: the fast paths are unchanged.
 * At each later slice (WATCH_SLICE_NS apart until reported) the waiter checks its thresholds (cfg.starvation_ms; cfg.starvation_count
 * re-takes, acquisitions by a thread that had already taken the lock during the wait) and reports
 * `starvation` once per lock (the first thread found starving on it).  When the last watch ends the budgets go back to 0.
 * Each thread also sums its long lock waits per lock (a tally in its record): once they add up, its
 * next waits for that lock are watched early, and an unfair share (the sum of its waits long, the
 * busiest re-taker hardly waiting itself) is reported as `starvation` too (contention.c).
 *
 * Livelock.  Only trylock calls matter, and the trylock wrappers are slow paths already: each failed
 * trylock extends the calling thread's failure streak on that lock, any success on it ends the
 * streak.  A thread whose streak is long (many failures over a second) while the
 * thread holding the lock is itself in such a streak is livelocked with it.
 */
#ifndef COFFMAN_CONTENTION_H
#define COFFMAN_CONTENTION_H

#include <stdatomic.h>
#include <stdint.h>

#include "threads.h"

/* Number of watched locks: nonzero makes ev_after_acquire's slow branch call contention_seen. */
extern atomic_int contention_watching;

/* A long wait of t for lock (waits.c), begun at began_ns: start counting others' acquisitions.
 * Returns the watch slot, or -1 (starvation off, table full). */
int contention_watch_begin(struct thread_rec *t, const void *lock, int kind, uint64_t began_ns);
/* After each later slice of that wait: report starvation when the thresholds are crossed (a single
 * long wait only once published: its report shows the wait).  Returns 1 while the wait may still be
 * reported (the waiter then checks again at short slices), 0 after. */
int contention_watch_check(struct thread_rec *t, int slot, int published);
/* A lock wait of waited_ns ended (lock taken, timed out): the watch slot (or -1) ends, and a long wait
 * is added to t's tally for the lock. */
void contention_wait_done(struct thread_rec *t, const void *lock, uint64_t waited_ns, int slot);
/* Whether t's waits for lock have added up enough that its next wait is watched early, from
 * contention_early_ns() on. */
int contention_early_watch(struct thread_rec *t, const void *lock);
uint64_t contention_early_ns(void);
/* t acquired lock on a slow path while some lock is watched. */
void contention_seen(struct thread_rec *t, const void *lock);

/* A trylock by t on lock returned rc (0/EOWNERDEAD success, EBUSY failure).  pc: the call's return
 * address. */
void contention_trylock(struct thread_rec *t, const void *lock, int kind, int rc, uintptr_t pc);

#endif
