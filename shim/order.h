/* order: the lock-order slow path.  Owns the lock-order graph (graph/lockgraph), the record behind
 * every edge (who created it, with which stacks), and the table of lock creation sites.  Everything
 * here runs under one internal lock, the graph lock, which the hot path never takes: a thread comes
 * here only when its own edge cache misses, or when a lock is created or destroyed.
 *
 * order_epoch counts destroyed locks that had graph nodes; a thread whose cached epoch differs flushes
 * its edge cache, so a new lock at a destroyed lock's address never inherits its edges.
 */
#ifndef COFFMAN_ORDER_H
#define COFFMAN_ORDER_H

#include <stdatomic.h>
#include <stdint.h>

#include "threads.h"

struct unwind_context;          /* deps_api.h */

/* Hidden in the declaration too (-fvisibility=hidden covers definitions only): the lock fast path then
 * reads it with one RIP-relative load instead of an address from the GOT first. */
extern atomic_uint order_epoch __attribute__((visibility("hidden")));

/* A hint before an acquisition that will probably make the edge from -> to: the lock table's lines
 * order_new_edge reads first start coming in, while the wrapper waits for the program's lock. */
void order_prefetch_edge(const void *from, const void *to);
/* Thread t is about to acquire `to` (blocking) while holding held->lock.  Inserts the edge, reports a
 * cycle it closes.  `gate` is another lock held at the same time (outermost), or NULL.  Returns 1 if
 * the edge was already known (the thread's cache missed it: a hint to grow the cache).  *acquire_stack:
 * the acquisition's stack if already captured (0: not yet), set when captured here (a new edge, or a
 * thread with a capture budget: see ev_after_acquire); ctx: where
 * the capture may start (stack_capture_from), or NULL.  *ungated: 1 when the graph holds the edge as
 * having no gate after this (made under no outer lock, or under two different ones), else 0. */
int order_new_edge(struct thread_rec *t, const struct held_lock *held, const void *to, int to_kind,
		   uintptr_t to_pc, const void *gate, uint32_t *acquire_stack, const struct unwind_context *ctx,
		   int *ungated);

/* What a lock's site record said about its init before the record changed: a live init (not destroyed
 * since) made at pc (with stack, as the site record keeps it) as kind, before this process was forked
 * (a parent's) or not. */
struct order_prior_init {
	int live;
	uintptr_t pc;
	uint32_t stack;
	int kind;
	int before_fork;
};

/* A lock was initialised at pc; stack: its (site, caller) stack for a site in a library
 * (init_sites.h), else 0.  prior (may be NULL): what the record said before, read in the same step. */
void order_lock_created(const void *lock, int kind, uintptr_t pc, uint32_t stack, struct order_prior_init *prior);
/* A lock was destroyed (or re-initialised): forget its node, edges and site.  also (may be NULL):
 * called with arg in the same step, under the graph lock (a record of the destroy kept elsewhere,
 * under a leaf lock of its own). */
void order_lock_destroyed(const void *lock, void (*also)(void *), void *arg);

/* The memory [lo, hi) is gone (an object unloaded by dlclose): forget every lock that lived there, and
 * with COFFMAN_CLASSES=site every class created by code there.  A lock later found at one of those
 * addresses is a new lock. */
void order_forget_range(uintptr_t lo, uintptr_t hi);

const char *lock_kind_name(int kind);

/* A thread ended: remember when, for the "never overlapped in time" label of later cycles. */
void order_thread_exited(const struct thread_rec *t);

/* The lock was initialised by *_init (at *pc, as *kind) and not destroyed since: 1, else 0. */
int order_init_site(const void *lock, uintptr_t *pc, int *kind);
/* A lock never initialised by a call (PTHREAD_MUTEX_INITIALIZER, C++'s std::mutex): where it was first
 * used (*pc) and the stack there if one was captured (*stack, 0 if not; stack may be NULL), 1; else 0. */
int order_first_use_site(const void *lock, uintptr_t *pc, uint32_t *stack);
/* The same, and the two-frame creation stack of a lock made in a library (init_sites.h; 0: none). */
int order_init_site_stack(const void *lock, uintptr_t *pc, int *kind, uint32_t *stack);
/* The same, all of it (with its stack, and whether the init was made before this process was forked:
 * a parent's, inherited, not made again in this process yet). */
int order_init_site_prior(const void *lock, struct order_prior_init *init);
/* The number of forks between this process and the first one coffman ran in, mod 4. */
unsigned order_fork_gen(void);

/* Fill r->locks[i] creation site fields for every lock already in r. */
struct report;
void order_fill_lock_sites(struct report *r);

void order_init(void);
void order_after_fork_child(void);
void order_lock_for_fork(void);
void order_unlock_after_fork(void);

#endif
