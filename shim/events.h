/* events: the handful of events every interposed entry point is reduced to.
 *
 *   ev_before_acquire  double-lock check, then the lock-order edges of a blocking acquisition
 *   ev_after_acquire   push onto the thread's held stack (or nest a recursive hold)
 *   ev_before_release  pop from the held stack, or report a bad unlock
 *   ev_lock_created / ev_lock_destroyed
 *
 * The wrappers (wrap_*.c) translate each pthread/C11 call into these and nothing else; everything
 * clever lives here and behind it.  Hot path: with the edge in the thread's cache, an acquisition reads
 * its own record and one shared read-mostly word (order_epoch) and writes only its own record.
 */
#ifndef COFFMAN_EVENTS_H
#define COFFMAN_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

#include "contention.h"
#include "deps_api.h"
#include "known_edges.h"
#include "order.h"
#include "profile.h"
#include "threads.h"

#include <string.h>

/* What re-acquiring a lock the thread already holds means for this lock. */
enum relock_policy {
	RELOCK_FATAL = 0,       /* waits on itself forever: report double-lock, end the process */
	RELOCK_EDEADLK,         /* the implementation refuses (error-checking): report, return EDEADLK */
	RELOCK_NEST,            /* recursive hold: count it */
	RELOCK_TIMED,           /* a timed call waits on itself until its deadline: report, let it time out */
};

struct acquire {
	const void *lock;
	int held_idx;           /* set by ev_before_acquire: index in the held stack, -1 if not held */
	uintptr_t pc;           /* return address in the program */
	uint8_t kind;           /* enum lock_kind */
	uint8_t shared;         /* read hold of an rwlock */
	uint8_t relock;         /* enum relock_policy */
	const char *relock_why; /* explanation printed with a double-lock report, optional */
	/* What the lock itself says about its owner (>0 a tid, 0 unlocked, -1 locked by someone unknown),
	 * NULL if it cannot say: lets a relock tell a real hold from a stale entry (the lock was released
	 * by another thread, or initialised anew, since this thread took it). */
	pid_t (*owner_of)(const void *lock);
	/* The acquisition's full stack, once a new edge into the lock has captured it: the held entry
	 * takes the same id instead of unwinding again (0: not captured). */
	uint32_t stack;
	/* Registers saved in the wrapper's own frame (stack_save_context), when it expects a capture: the
	 * capture walks from there (NULL: from wherever it is made). */
	const struct unwind_context *ctx;
};

enum ev_verdict { EV_PROCEED = 0, EV_REFUSE };

/* Slow paths behind the inline fast paths below. */
/* The lock is in t's held stack (a->held_idx): drop a stale entry (then proceed as a first hold, with
 * its lock-order edges when blocking), nest, or report a double-lock. */
enum ev_verdict ev_relock(struct thread_rec *t, struct acquire *a, int blocking);
/* A trylock succeeded on a lock t's held stack lists at idx: the new index to nest at, or -1 when the
 * entry was stale (dropped; push afresh). */
int ev_try_relock(struct thread_rec *t, const struct acquire *a, int idx);
void ev_add_order_edges(struct thread_rec *t, struct acquire *a);
uint32_t ev_held_stack(void);
uint32_t ev_held_stack_from(const struct unwind_context *ctx);
void held_remove(struct thread_rec *t, int idx);
/* Give back a grown edge cache (thread exit). */
void edge_cache_free(struct thread_rec *t);
/* Apply the releases other threads posted for t (threads.h: nreleased). */
void held_drop_released(struct thread_rec *t);
static inline void held_sync(struct thread_rec *t)
{
	if (__builtin_expect(atomic_load_explicit(&t->nreleased, memory_order_relaxed) != 0, 0))
		held_drop_released(t);
}
/* An unlock of a lock this thread does not hold.  owner_tid is what the lock itself says about its
 * owner: >0 that thread, 0 not locked, -1 unknown.  Reports bad-unlock unless it is explicable.
 * Returns the number of the thread whose hold this unlock ends, 0 if none: once the real unlock has
 * succeeded, pass it to ev_released_for. */
int ev_release_unheld(struct thread_rec *t, const void *lock, int kind, pid_t owner_tid, uintptr_t pc);
/* The real unlock by a non-owner did release the lock: its owner no longer holds it. */
void ev_released_for(int owner_num, const void *lock);

/* *_init succeeded.  old_owner is what the memory said before the init (>0 the tid of a thread that
 * had left it locked, else 0): an init ends any hold of the address, the caller's at once, another
 * thread's through its released list.  ctx: the wrapper's saved context when it saved one
 * (init_site_wants_context), where a capture of the init's caller starts; else NULL.  prior (may be
 * NULL): what the lock's site record said about its init before, read in the same step
 * (life_init_check). */
void ev_lock_created(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, pid_t old_owner,
		     const struct unwind_context *ctx, struct order_prior_init *prior);

/* After the real *_init of a lock the site table keeps (mutex, rwlock, spinlock, mtx_t), life_init_begin
 * made before it; ok: the init succeeded.  Its records (ev_lock_created, reading the site's old init
 * in the same step), the re-init check's verdict (life_init_end), and on success the lock as new to
 * the lifecycle and misuse checks.  A failed init's own report is the wrapper's (it names the call). */
struct life_init_check;
void ev_lock_init_done(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, pid_t old_owner,
		       const struct unwind_context *ctx, struct life_init_check *check, int ok);

/* A blocking acquisition that found the re-entry guard raised: coffman's own internals (never a lock
 * the program holds), or a signal handler that interrupted a wrapper.  If this thread holds the lock
 * and it cannot nest (a->relock RELOCK_FATAL, the lock confirming the hold), the call would wait for
 * itself forever: report the double-lock and end the process — through the normal pipeline when the
 * thread holds no internal lock, else with the raw writer.  Reads the thread's record, never writes
 * its held stack.  Returns when there is nothing to report (the caller then takes the real lock). */
void ev_acquire_reentered(struct acquire *a);
/* Destroy of a lock that is still locked: report destroy-locked (the destroy itself may still fail). */
void ev_destroy_locked(struct thread_rec *t, const void *lock, int kind);
/* The lock is gone (destroy succeeded): forget its hold, node, edges and site; destroy (may be NULL):
 * the record of it lifecycle keeps (life_destroy_prepare), written in the same step. */
struct life_destroy;
void ev_lock_destroyed(struct thread_rec *t, const void *lock, struct life_destroy *destroy);
/* The same for a destroy the program called at pc on a lock of kind (size: bytes lifecycle snapshots,
 * 0 for what glibc marks itself): lifecycle's record of it too (life_destroy_prepare). */
void ev_lock_destroyed_at(struct thread_rec *t, const void *lock, int kind, size_t size, uintptr_t pc);

/* Index of lock in t's held stack, -1 if absent. */
static inline int held_find(const struct thread_rec *t, const void *lock)
{
	for (int i = t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock)
			return i;
	return -1;
}

/* The per-thread edge cache: (from, to, gate) triples this thread knows are in the graph. */

static inline unsigned edge_slot_index(const struct thread_rec *t, const void *from, const void *to)
{
	/* One multiply (Fibonacci hashing) mixes every bit of both addresses into the high half, which the
	 * index takes: the table is at most 2^14 slots, and bits 40 and up of the product are well mixed.
	 * The rotation keeps from -> to and to -> from apart. */
	uintptr_t x = ((uintptr_t)from ^ (((uintptr_t)to << 17) | ((uintptr_t)to >> 47))) * 0x9E3779B97F4A7C15u;
	return (unsigned)(x >> 40) & t->cache_mask;
}

static inline void edge_cache_sync_epoch(struct thread_rec *t)
{
	unsigned epoch = atomic_load_explicit(&order_epoch, memory_order_relaxed);
	if (__builtin_expect(epoch != t->cache_epoch, 0)) {
		memset(t->cache, 0, ((size_t)t->cache_mask + 1) * sizeof t->cache[0]);
		t->cache_epoch = epoch;
	}
}

/* A slot whose gate is NULL holds an edge the graph knows to have no gate (made under no outer lock,
 * or under two different ones): an acquisition under any gate has nothing to tell the graph about it
 * (order.c, edge_rec_merge_gate), so it answers for every gate.  Keyed by the edge alone, one slot would
 * otherwise be fought over by the edge's gates (memcached: a pair of locks under each of its item
 * locks). */
static inline int edge_cache_lookup(const struct thread_rec *t, const void *from, const void *to,
				    const void *gate)
{
	const struct edge_slot *s = &t->cache[edge_slot_index(t, from, to)];
	return s->from == from && s->to == to && (s->gate == gate || !s->gate);
}

static inline void edge_cache_insert(struct thread_rec *t, const void *from, const void *to, const void *gate)
{
	struct edge_slot *s = &t->cache[edge_slot_index(t, from, to)];
	s->from = from;
	s->to = to;
	s->gate = gate;
}

/* The outermost held lock other than held[i]: the candidate gate for an edge from held[i]. */
static inline const void *gate_for(const struct thread_rec *t, int i)
{
	return i > 0 ? t->held[0].lock : NULL;
}


/* The lock wrappers' fast path, in two halves around their own trylock.
 *
 * Before it: the thread may take a lock without the slow path at all — it records no stack for this
 * acquisition, its held stack has room, and no other thread has ended one of its holds (a stale entry
 * the slow path must drop first).  The double-lock check is not here: the trylock answers it.  A lock
 * the thread holds is busy, and the caller sends a busy lock whose owner is the thread itself to the
 * slow path; a lock the trylock took was free, so the thread did not hold it. */
static inline int ev_fast_enter_ok(const struct thread_rec *t)
{
	return t->capture_budget <= 0 && (unsigned)t->nheld < HELD_MAX &&
	       atomic_load_explicit(&t->nreleased, memory_order_relaxed) == 0;
}

/* After it (or before a wait): the acquisition makes no edge the thread does not know — it holds
 * nothing, or the edge from its top held lock (not a trylock: ev_trylock_run_known) under the current
 * gate is in its cache, checked under the current order epoch. */
static inline int ev_fast_edge_known(const struct thread_rec *t, const void *lock)
{
	unsigned n = (unsigned)t->nheld;        /* never negative: unsigned spares sign extensions */
	if (n == 0)
		return 1;
	const struct held_lock *top = &t->held[n - 1];
	if (top->flags & HELD_TRYLOCK)
		return 0;
	if (atomic_load_explicit(&order_epoch, memory_order_relaxed) != t->cache_epoch)
		return 0;
	return edge_cache_lookup(t, top->lock, lock, n > 1 ? t->held[0].lock : NULL);     /* gate_for */
}

/* Below a trylocked top, what ev_fast_edge_known is above a plain one: the edges ev_add_order_edges
 * would make — from each lock of the trylocked run on top and from the first one below it not
 * trylocked — are all in the thread's cache, under the current order epoch.  Out of line, and called
 * only from the out-of-line paths: a call inside ev_fast_edge_known would make the lock wrappers save
 * registers on every lock. */
int ev_trylock_run_known(const struct thread_rec *t, const void *lock);

/* Before a slow path's (or the capturing fast path's) first read of the program's lock: a thread
 * that made a new edge lately (its capture budget is topped up then) will likely make another one
 * now, and the lookups it starts with are cache misses that can overlap that read. */
static inline void ev_prefetch_new_edge(const struct thread_rec *t, const void *lock)
{
	int budget = t->capture_budget, n = t->nheld;
	if (budget > 0 && budget != HELD_CAPTURE_WATCH && n > 0 && n <= HELD_MAX)
		order_prefetch_edge(t->held[n - 1].lock, lock);
}

/* Whether a blocking acquisition on the slow path will probably capture its stack: the thread records
 * its held stacks, or the edge from its top held lock is in neither its cache nor the known-edge set
 * (a new edge).  The wrapper then saves its frame's registers for the capture (stack_save_context). */
static inline int ev_capture_likely(const struct thread_rec *t, const void *lock)
{
	int budget = t->capture_budget;
	if (budget > 0 && budget != HELD_CAPTURE_WATCH)
		return 1;
	int n = t->nheld;
	if (n == 0)
		return 0;
	const struct held_lock *h = &t->held[n - 1];
	const void *gate = gate_for(t, n - 1);
	return (h->flags & HELD_TRYLOCK) ||
	       (!edge_cache_lookup(t, h->lock, lock, gate) && !known_edge_find(h->lock, lock, gate, t->cache_epoch));
}

/* Push a lock the fast path took (held once, blocking, no stack), without the profile's count: for a
 * caller that has tested profile_on itself (ev_push_held is the usual way). */
static inline void ev_push_held_unprofiled(struct thread_rec *t, const void *lock, uintptr_t pc, int kind, int shared)
{
	struct held_lock *h = &t->held[t->nheld++];
	h->lock = lock;
	h->pc = pc;
	h->stack = 0;
	h->depth = 1;
	h->kind = (uint8_t)kind;
	h->flags = shared ? HELD_SHARED : 0;
}

/* Push a lock a try took: as ev_push_held_unprofiled, marked as a trylock's (no edge into it — a try
 * cannot wait — but the locks taken under it make edges from it and from the lock below). */
static inline void ev_push_trylocked_unprofiled(struct thread_rec *t, const void *lock, uintptr_t pc, int kind,
						int shared)
{
	ev_push_held_unprofiled(t, lock, pc, kind, shared);
	t->held[t->nheld - 1].flags |= HELD_TRYLOCK;
}

static inline void ev_push_held(struct thread_rec *t, const void *lock, uintptr_t pc, int kind, int shared)
{
	ev_push_held_unprofiled(t, lock, pc, kind, shared);
	profile_acquired(t, lock, kind, shared);        /* last: nothing is needed after the call */
}

/* Before a blocking (or timed) acquisition: double-lock check, then the lock-order edges.  The common
 * case — lock not held, the edge from the top held lock already cached — stays in this function. */
static inline enum ev_verdict ev_before_acquire(struct thread_rec *t, struct acquire *a, int blocking)
{
	int idx = held_find(t, a->lock);
	a->held_idx = idx;
	if (__builtin_expect(idx >= 0, 0))
		return ev_relock(t, a, blocking);
	if (blocking && t->nheld > 0) {
		int top = t->nheld - 1;
		const struct held_lock *h = &t->held[top];
		edge_cache_sync_epoch(t);
		if (__builtin_expect((h->flags & HELD_TRYLOCK) ||
				     !edge_cache_lookup(t, h->lock, a->lock, gate_for(t, top)), 0))
			ev_add_order_edges(t, a);
	}
	return EV_PROCEED;
}

/* After a successful acquisition: nest a recursive hold, or push.  trylock: no ev_before_acquire ran. */
static inline void ev_after_acquire(struct thread_rec *t, struct acquire *a, int trylock)
{
	int idx = trylock ? held_find(t, a->lock) : a->held_idx;
	if (__builtin_expect(idx >= 0 && trylock, 0))
		idx = ev_try_relock(t, a, idx);
	if (idx >= 0) {
		if (t->held[idx].depth < UINT32_MAX)
			t->held[idx].depth++;
		profile_acquired(t, a->lock, a->kind, a->shared);
		return;
	}
	if (__builtin_expect(t->nheld == HELD_MAX, 0)) {
		t->overflow++;
		profile_acquired(t, a->lock, a->kind, a->shared);
		return;
	}
	struct held_lock *h = &t->held[t->nheld++];
	h->lock = a->lock;
	h->pc = a->pc;
	h->stack = 0;
	if (__builtin_expect(t->capture_budget > 0, 0)) {
		if (atomic_load_explicit(&contention_watching, memory_order_relaxed))
			contention_seen(t, a->lock);
		int budget = __atomic_load_n(&t->capture_budget, __ATOMIC_RELAXED);
		if (budget != HELD_CAPTURE_WATCH) {
			if (budget != HELD_CAPTURE_ALWAYS)
				t->capture_budget = budget - 1;
			h->stack = a->stack ? a->stack : ev_held_stack_from(a->ctx);
		}
	}
	h->depth = 1;
	h->kind = a->kind;
	h->flags = (uint8_t)((trylock ? HELD_TRYLOCK : 0) | (a->shared ? HELD_SHARED : 0));
	/* Last: a hold timed from here excludes the stack capture above (coffman's time, not the
	 * program's). */
	profile_acquired(t, a->lock, a->kind, a->shared);
}

/* Pop lock from the held stack: 0 if this thread held it, -1 if not (then call ev_release_unheld). */
static inline int ev_release(struct thread_rec *t, const void *lock)
{
	int top = t->nheld - 1;
	if (__builtin_expect(top >= 0 && t->held[top].lock == lock && t->held[top].depth == 1, 1)) {
		profile_released(t, lock, t->held[top].kind, t->held[top].pc);
		t->nheld = top;
		return 0;
	}
	int idx = held_find(t, lock);
	if (__builtin_expect(idx < 0, 0))
		return -1;
	if (t->held[idx].depth > 1) {
		t->held[idx].depth--;
	} else {
		profile_released(t, lock, t->held[idx].kind, t->held[idx].pc);
		held_remove(t, idx);
	}
	return 0;
}
/* Add a thread and its identity to a report. */
struct report;
int report_add_thread_rec(struct report *r, const struct thread_rec *t);

#endif
