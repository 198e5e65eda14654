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
 *   - an acquisition counts down a counter in the thread's own table, a direct-mapped array keyed by
 *     the lock's address (no lock, no shared line written; a collision hands the evicted lock's counts
 *     to the shared record, which is rare).  The count is kept in batches: each batch, up to the next
 *     timed hold, is added to the slot's total when it begins (profile_batch_end), and `left` says
 *     how much of it is still to come — so the common acquisition writes one counter and tests it
 *     with the same instruction.  The exact count at any moment is
 *     profile_slot_acquisitions();
 *   - the owner-change count reads the lock record's last owner, a line written only when the owner
 *     does change (when the lock's own line moves between cores anyway);
 *   - hold time is timed for a sample of acquisitions only (the first few of each lock per thread,
 *     then one in PROFILE_HOLD_EVERY of that lock by that thread, told by the slot's own count, so
 *     that no other counter is written per acquisition): two clock reads on every hold would cost
 *     more than the lock.
 *     Each timed hold stands for the batch it ends (1 acquisition among the first few, then
 *     PROFILE_HOLD_EVERY), and totals are the mean weighted so, times the exact count: an unweighted
 *     mean gave the first holds, often the longest (a cold start), 256 times their share, and a lock
 *     held 10 ms 8 times then 20,000 times briefly showed 19 s of holds in an 83 ms run.  The max is
 *     the sampled max;
 *   - wait time is measured on the contended path only, one pair of prof_ticks() (the TSC where it is
 *     invariant: prof_clock.h) per contended acquisition; the wait is summed in the waiter's own
 *     slot, which reaches the shared tables only when its waiter's call site or the blamed holder
 *     changes, the slot is evicted, or the thread exits.  The waiter's stack is captured once per
 *     call site, the holder's once per acquisition site;
 *   - a release looks for a waiter to blame its critical section on: for a mutex the lock fast path
 *     releases inline, in the old value of the lock word its release exchanges anyway (the blame is
 *     then written before the waiter is woken; one that takes the mutex between the release and the
 *     wake without sleeping may read the previous release's stack); for any other mutex in the lock
 *     word before the release (glibc_mutex_maybe_waiters), for an rwlock in a count of rwlock waiters
 *     (profile_waiting) on a line of its own.  No shared line is written per
 *     wait or per release on the profile's account, bar the blamed stack when it changes.
 * Threads' tables are read at exit without stopping the threads; a thread's counts go to the shared
 * records when it exits.  Times are kept in ticks and become nanoseconds at output.
 */
#ifndef COFFMAN_PROFILE_H
#define COFFMAN_PROFILE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "glibc_mutex.h"
#include "threads.h"

/* 1 when COFFMAN_PROFILE is set, written once at load; alone on its cache line (every acquisition
 * and release reads it). */
extern struct profile_flag {
	int on;
	char pad[60];
} profile_flag __attribute__((aligned(64), visibility("hidden")));   /* hidden: as order_epoch */
#define profile_on (profile_flag.on)

/* Threads in a contended rwlock wait right now (any rwlock), and in a contended wait of an interposed
 * family's lock (a GMutex: kinds from LK_USER on): such a release looks for a waiter to blame only when
 * its count is nonzero (a mutex's release asks the mutex).  Written on those contended paths only, on
 * a line of its own. */
extern struct profile_waiting {
	_Atomic int rwlock;
	_Atomic int family;
	char pad[56];
} profile_waiting __attribute__((aligned(64)));

#define PROFILE_SLOTS 256               /* per-thread table; power of two */
#define PROFILE_HOLD_FIRST 8            /* the first holds of each lock by each thread are all timed ... */
#define PROFILE_HOLD_EVERY 256          /* ... then one acquisition in this many; power of two */
_Static_assert((PROFILE_HOLD_EVERY & (PROFILE_HOLD_EVERY - 1)) == 0, "a mask tells the sampled holds");

struct prof_lock;

/* One lock's counts in one thread's table: written by that thread only.  32-byte aligned, so that the
 * three fields every acquisition reads (lock, rec, left) never straddle two cache lines. */
struct __attribute__((aligned(32))) prof_slot {
	const void *lock;                       /* NULL: free */
	struct prof_lock *rec;                  /* the lock's shared record */
	uint32_t left;                          /* acquisitions to the end of this batch (the next timed hold) */
	uint64_t acquisitions;                  /* with this whole batch: see profile_slot_acquisitions */
	uint64_t shared, owner_changes;
	/* times in prof_ticks() units (prof_clock.h) */
	/* hold_timed: the acquisitions the timed holds stand for (each its batch's length); ticks
	 * weighted the same way */
	uint64_t hold_timed, hold_timed_ticks, hold_max_ticks;
	uint64_t contended, wait_ticks, wait_max_ticks;
	/* the wait samples not yet handed to the shared table: by the waiter's stack (captured once
	 * per call site) and by the stack of the holder's release */
	uintptr_t wait_pc;
	uint32_t wait_stack, holder_stack;
	uint64_t wait_count, wait_sum_ticks, holder_count, holder_sum_ticks;
	uintptr_t release_key;                  /* the releasing stack, once per acquisition site */
	uint32_t release_stack;
};

/* A timed hold that another timed hold is nested in: its time goes on meanwhile. */
#define PROFILE_TIMING_NEST 4
struct prof_timing {
	const void *lock;
	struct prof_slot *slot;
	uint64_t since;
	uint32_t weight;
};

struct prof_thread {
	const void *timing_lock;                /* the innermost hold being timed, NULL none */
	struct prof_slot *timing;
	uint64_t timing_since;                  /* prof_ticks() */
	uint32_t timing_weight;                 /* the acquisitions it stands for: its batch's length */
	/* The timed holds of other locks it is nested in, innermost last: each is timing_lock again
	 * once the holds inside it end (profile_hold_end).  Without them an outer lock's hold was timed
	 * only when no timed hold began inside it, and a lock always held around others (a database's
	 * write-transaction lock) showed a hold time of 0, or of its one short hold that was. */
	unsigned nouter;
	struct prof_timing outer[PROFILE_TIMING_NEST];
	struct prof_slot slots[PROFILE_SLOTS];
};

/* With profiling on, each thread's table lives right after its thread record, in the same allocation
 * (threads.c thread_new), and t->prof points at it while it is in use.  The fast path finds a slot
 * from t alone — no load of t->prof before the slot's address is known, one load fewer in the chain
 * that the lock's compare-and-swap waits for — and tests t->prof against that address only to know the
 * table is live (a predicted branch).  A table allocated on its own (a thread record made before the
 * profile was on, or a thread that takes locks after its exit handed its counts over) fails the test
 * and is counted by the slower path. */
#define PROFILE_TABLE_OFFSET ((sizeof(struct thread_rec) + 63) & ~(size_t)63)

static inline struct prof_thread *profile_table_at(const struct thread_rec *t)
{
	return (struct prof_thread *)((char *)t + PROFILE_TABLE_OFFSET);
}

static inline unsigned profile_slot_index(const void *lock)
{
	/* Fibonacci hashing: one multiply, the top bits of the product (well mixed) index the table. */
	return (unsigned)(((uintptr_t)lock * 0x9E3779B97F4A7C15u) >> 56) & (PROFILE_SLOTS - 1);
}

/* The last acquirer of a profiled lock (the record's first field): read on every acquisition, written
 * only when the owner changes. */
struct prof_lock_owner {
	_Atomic int last_owner;
};

void profile_init(void);                /* after config_load */
void profile_after_fork_child(void);

/* Slow halves of the hooks below. */
void profile_acquired_slow(struct thread_rec *t, const void *lock, int kind, int shared);
void profile_owner_changed(struct thread_rec *t, struct prof_slot *s);
void profile_hold_begin(struct thread_rec *t, struct prof_slot *s, const void *lock, uint32_t weight);
void profile_batch_end(struct thread_rec *t, struct prof_slot *s, const void *lock);
void profile_hold_end(struct thread_rec *t, const void *lock);
void profile_blame_release(struct thread_rec *t, const void *lock, uintptr_t acquired_pc);

/* The counting itself (profile_acquired), out of line: inlined into the lock fast path it would make
 * that path save registers even with profiling off.  profile_count_excl: the same for an exclusive
 * hold (shared 0), a few instructions shorter — what every mutex acquisition calls. */
void profile_count(struct thread_rec *t, const void *lock, int kind, int shared);
void profile_count_excl(struct thread_rec *t, const void *lock, int kind);

/* t took lock (first hold, or a nested one): with profiling off, one predictable branch. */
static inline void profile_acquired(struct thread_rec *t, const void *lock, int kind, int shared)
{
	if (__builtin_expect(profile_on, 0)) {
		if (__builtin_constant_p(shared) && !shared)
			profile_count_excl(t, lock, kind);
		else
			profile_count(t, lock, kind, shared);
	}
}

/* A slot's acquisitions so far: the batches begun, less what is left of this one. */
static inline uint64_t profile_slot_acquisitions(const struct prof_slot *s)
{
	return s->acquisitions - s->left;
}

/* profile_count's body.  On: a counter in t's own table, a read of the lock record's last owner;
 * anything more is out of line. */
static inline void profile_count_inline(struct thread_rec *t, const void *lock, int kind, int shared)
{
	struct prof_thread *p = t->prof;
	struct prof_slot *s;
	if (__builtin_expect(!p || (s = &p->slots[profile_slot_index(lock)])->lock != lock, 0)) {
		profile_acquired_slow(t, lock, kind, shared);
		return;
	}
	if (shared)
		s->shared++;
	if (__builtin_expect(atomic_load_explicit(&((struct prof_lock_owner *)s->rec)->last_owner,
						  memory_order_relaxed) != t->num, 0))
		profile_owner_changed(t, s);
	if (__builtin_expect(--s->left == 0, 0))
		profile_batch_end(t, s, lock);          /* this hold is timed */
}

/* profile_count_inline's common case for an exclusive hold, in two halves around a fast path's own
 * trylock, so that the loads of the first (thread -> slot -> lock record) are made before the lock's
 * fence instead of after it.  Peek: the lock's slot and record when the thread has a slot for it, else
 * q->slot NULL.  Commit, once the lock is taken: when the thread took it last time too (read now,
 * under the lock) and the batch goes on, count it and return 1; else change nothing and return 0 —
 * then call profile_count_excl. */
struct prof_quick {
	struct prof_slot *slot;
	const struct prof_lock_owner *rec;
};

static inline void profile_quick_peek(const struct thread_rec *t, const void *lock, struct prof_quick *q)
{
	struct prof_thread *p = profile_table_at(t);
	/* One address computation for the slot (written as &p->slots[i], it is made twice). */
	struct prof_slot *s = (struct prof_slot *)((char *)p + offsetof(struct prof_thread, slots) +
						   (size_t)profile_slot_index(lock) * sizeof *s);
	q->slot = NULL;
	if (__builtin_expect(t->prof != p || s->lock != lock, 0))
		return;
	q->slot = s;
	q->rec = (const struct prof_lock_owner *)s->rec;
	/* The last owner's line, asked for before the trylock: when the mutex changed hands it is in
	 * the other thread's cache, and fetched now the miss overlaps the trylock's own on the mutex,
	 * instead of following it inside the critical section — where, on a contended mutex, it
	 * lengthened the hold the next waiter sleeps on (bench/README.md, *Profiled hand-overs*).  A
	 * line already here costs nothing.  For reading: a waiter's failed attempts then leave the
	 * holder its copy (x86-64's baseline has no write prefetch anyway; both compile to the same
	 * instruction there). */
	__builtin_prefetch(q->rec, 0, 3);
}

static inline int profile_quick_commit(const struct thread_rec *t, const struct prof_quick *q)
{
	if (__builtin_expect(atomic_load_explicit(&q->rec->last_owner, memory_order_relaxed) != t->num, 0))
		return 0;
	/* One decrement, tested by its own flags; at the batch's end it is undone and the full count
	 * (profile_count_excl) makes it again. */
	if (__builtin_expect(--q->slot->left == 0, 0)) {
		q->slot->left = 1;
		return 0;
	}
	return 1;
}

/* Whether a thread may be waiting for lock right now (its holder is about to release it). */
static inline int profile_waiter_seen(const void *lock, int kind)
{
	if (kind == LK_MUTEX || kind == LK_C11)         /* a C11 mtx_t is a glibc mutex */
		return glibc_mutex_maybe_waiters(lock);
	if (kind >= LK_USER)
		return atomic_load_explicit(&profile_waiting.family, memory_order_relaxed) != 0;
	return kind == LK_RWLOCK && atomic_load_explicit(&profile_waiting.rwlock, memory_order_relaxed);
}

/* t's hold of lock ends: if it is the hold being timed, its time.  Before the real release, so that
 * the time is the critical section's. */
static inline void profile_hold_ended(struct thread_rec *t, const void *lock)
{
	struct prof_thread *p = t->prof;
	if (p && __builtin_expect(p->timing_lock == lock, 0))
		profile_hold_end(t, lock);
}

/* t's hold of lock (kind) ends, before the real release (acquired_pc: where t took it).  On: out of
 * line only when this hold is timed or somebody waits for the lock.  (The mutex fast path, which
 * releases inline, asks its own release about waiters instead: wrap_mutex.c.) */
static inline void profile_released(struct thread_rec *t, const void *lock, int kind, uintptr_t acquired_pc)
{
	if (__builtin_expect(!profile_on, 1) || __builtin_expect(!t->prof, 0))
		return;
	profile_hold_ended(t, lock);
	if (__builtin_expect(profile_waiter_seen(lock, kind), 0))
		profile_blame_release(t, lock, acquired_pc);
}

/* Around a contended wait (waits.c): begin returns the start (prof_ticks), end records the wait in the
 * waiter's own slot. */
uint64_t profile_wait_begin(struct thread_rec *t, const void *lock, int kind);
void profile_wait_end(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, uint64_t began, int acquired);

/* t is exiting: hand its counts to the shared records. */
void profile_thread_exit(struct thread_rec *t);

/* The top-N table on the report stream (the watchdog's hang report shows it too). */
void profile_print_table(void);
/* At exit: the table, PATH and PATH.folded.  Once per process. */
void profile_at_exit(void);

#endif
