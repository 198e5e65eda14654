/* The events behind every wrapper (events.h), slow parts: the double-lock check and its report,
 * lock-order edges for the acquisitions the edge cache does not know, bad unlocks, lock creation and
 * destruction (destroy-locked), a hold released by another thread, the one thread that may end the
 * process after a fatal report, and what a thread still holds when it exits.  The hot path itself is
 * in events.h's inline helpers. */
#include "events.h"
#include "api_misuse.h"
#include "config.h"
#include "glibc_mutex.h"
#include "ilock.h"
#include "init_sites.h"
#include "known_edges.h"
#include "lifecycle.h"
#include "memprobe.h"
#include "order.h"
#include "raw_report.h"
#include "report.h"
#include "stacks.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waits.h"

/* Edges into the new lock: from the top held lock, and on down past locks that were only trylocked
 * (a trylock made no edge into itself, so the locks below it would otherwise lose their path). */
/* The thread's cache missed an edge the graph already had: its working set is larger than the cache.
 * After a quarter of the slots' worth of such misses, double it (fresh and empty: it refills at once
 * from the graph); a program with many lock pairs pays the slow path only while the cache warms.
 * Grown caches share one process-wide budget: a server's few workers grow to the maximum, while a
 * program with a thousand threads walking the same locks keeps its memory per thread small (the
 * misses then cost a graph lookup each, not memory). */
#define EDGE_CACHE_GROWTH_BUDGET (8u << 20)
static atomic_size_t grown_cache_bytes;

static size_t grown_bytes(unsigned slots)
{
	return slots > EDGE_CACHE_SLOTS ? (size_t)slots * sizeof(struct edge_slot) : 0;
}

static void edge_cache_missed_known(struct thread_rec *t)
{
	unsigned slots = t->cache_mask + 1;
	if (++t->cache_known_misses < slots / 4 || slots >= EDGE_CACHE_MAX_SLOTS)
		return;
	size_t more = grown_bytes(slots * 2) - grown_bytes(slots);
	if (atomic_fetch_add(&grown_cache_bytes, more) + more > EDGE_CACHE_GROWTH_BUDGET) {
		atomic_fetch_sub(&grown_cache_bytes, more);
		t->cache_known_misses = 0;
		return;
	}
	struct edge_slot *bigger = calloc((size_t)slots * 2, sizeof *bigger);
	if (!bigger) {
		atomic_fetch_sub(&grown_cache_bytes, more);
		return;
	}
	if (t->cache != t->cache_inline)
		free(t->cache);
	t->cache = bigger;
	t->cache_mask = slots * 2 - 1;
	t->cache_known_misses = 0;
}

void edge_cache_free(struct thread_rec *t)
{
	if (t->cache != t->cache_inline) {
		atomic_fetch_sub(&grown_cache_bytes, grown_bytes(t->cache_mask + 1));
		free(t->cache);
	}
	t->cache = t->cache_inline;
	t->cache_mask = EDGE_CACHE_SLOTS - 1;
}

/* pthread_once entries whose init routine threw (C++ call_once) or was cancelled: the wrapper's
 * release never ran.  glibc has cleared the once word; the entry must not make edges. */
static void held_drop_unwound_once(struct thread_rec *t)
{
	for (int i = t->nheld - 1; i >= 0; i--)
		if (t->held[i].kind == LK_ONCE && (!mem_readable(t->held[i].lock, sizeof(pthread_once_t)) ||
						   !glibc_once_in_progress(t->held[i].lock)))
			held_remove(t, i);      /* (a once control unmapped meanwhile is not read) */
}

/* The thread repeats an order it or another thread made before: its stack warm-up is less useful. */
static void capture_budget_known_edge(struct thread_rec *t)
{
	int budget = t->capture_budget;
	if (budget != HELD_CAPTURE_ALWAYS && budget != HELD_CAPTURE_WATCH)  /* markers stay (contention.h) */
		t->capture_budget = budget > HELD_CAPTURE_KNOWN_COST
				    ? budget - HELD_CAPTURE_KNOWN_COST : 0;
}

void ev_add_order_edges(struct thread_rec *t, struct acquire *a)
{
	held_sync(t);           /* a lock another thread released for us must not make edges */
	held_drop_unwound_once(t);
	edge_cache_sync_epoch(t);
	for (int i = t->nheld - 1; i >= 0; i--) {
		const struct held_lock *h = &t->held[i];
		if (h->lock != a->lock) {
			const void *gate = gate_for(t, i);
			if (edge_cache_lookup(t, h->lock, a->lock, gate)) {
				capture_budget_known_edge(t);
			} else {
				/* t->cache_epoch: the epoch before the graph is consulted, so an edge a
				 * destroy removes meanwhile is stored stale.  An edge the graph says has no
				 * gate is remembered with none: it then answers for any gate. */
				int found = known_edge_find(h->lock, a->lock, gate, t->cache_epoch);
				int ungated = found == KNOWN_UNGATED;
				if (found) {
					edge_cache_missed_known(t);
					capture_budget_known_edge(t);
				} else if (order_new_edge(t, h, a->lock, a->kind, a->pc, gate, &a->stack, a->ctx,
							  &ungated)) {
					edge_cache_missed_known(t);
					capture_budget_known_edge(t);
					known_edge_add(h->lock, a->lock, ungated ? NULL : gate, t->cache_epoch);
				}
				edge_cache_insert(t, h->lock, a->lock, ungated ? NULL : gate);
			}
		}
		if (!(h->flags & HELD_TRYLOCK))
			break;
	}
}

int ev_trylock_run_known(const struct thread_rec *t, const void *lock)
{
	if (atomic_load_explicit(&order_epoch, memory_order_relaxed) != t->cache_epoch)
		return 0;
	/* The same walk as ev_add_order_edges', reading only: a lock of the run that is the one being
	 * taken (a stale entry, or a relock) is the slow path's to judge. */
	for (int i = t->nheld - 1; i >= 0; i--) {
		const struct held_lock *h = &t->held[i];
		if (h->lock == lock || !edge_cache_lookup(t, h->lock, lock, gate_for(t, i)))
			return 0;
		if (!(h->flags & HELD_TRYLOCK))
			return 1;
	}
	return 1;
}

int report_add_thread_rec(struct report *r, const struct thread_rec *t)
{
	return report_add_thread(r, t->num, t->tid, t->create_stack, t->parent_num);
}

/* Returns 1 if the report was shown (0: duplicate or suppressed). */
static int report_double_lock(struct thread_rec *t, const struct acquire *a, const struct held_lock *h)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return 1;
	int cancel_state = cancel_disable();
	report_init(r, RK_DOUBLE_LOCK);
	int lk = report_add_lock(r, (uintptr_t)a->lock, lock_kind_name(a->kind));
	int th = report_add_thread_rec(r, t);
	order_fill_lock_sites(r);
	snprintf(r->summary, sizeof r->summary, "T%d acquires L%d (%s) that it already holds%s",
		 r->threads[th].num, lk + 1, lock_kind_name(a->kind),
		 a->relock == RELOCK_FATAL ? ": it would wait for itself forever"
		 : a->relock == RELOCK_TIMED ? ": it waits for itself until the call's deadline" : "");
	if (a->relock_why)
		snprintf(r->note, sizeof r->note, "%s", a->relock_why);
	else if (a->relock == RELOCK_TIMED)
		snprintf(r->note, sizeof r->note,
			 "non-recursive lock, timed call: it times out, as without the checker; the program keeps "
			 "running");
	else if (a->relock == RELOCK_EDEADLK)
		snprintf(r->note, sizeof r->note, "%s: the call returns EDEADLK, as without the checker",
			 a->kind == LK_RWLOCK ? "an rwlock refuses a second hold by its writer"
					      : "error-checking mutex");
	else
		snprintf(r->note, sizeof r->note,
			 "non-recursive lock: the process is ended with the exit code instead of hanging");
	/* The return address stands in when no stack can be had (a signal handler that interrupted a
	 * capture inside libunwind's lock). */
	report_add_stack(r, "acquired again here", stack_capture(), a->pc);
	report_add_stack(r, "already held since", h->stack, h->pc);
	r->signature = ((uint64_t)RK_DOUBLE_LOCK << 56) ^ (uint64_t)(uintptr_t)a->lock ^ ((uint64_t)a->pc << 7);
	int shown = report_emit(r);
	free(r);
	cancel_restore(cancel_state);
	return shown;
}

/* The lock itself says this thread does not hold it: the entry outlived the hold (another thread
 * unlocked it, or it was initialised anew).  "Locked, owner unknown" keeps the entry. */
static int held_entry_stale(const struct thread_rec *t, const struct acquire *a)
{
	if (!a->owner_of)
		return 0;
	pid_t owner = a->owner_of(a->lock);
	return owner == 0 || (owner > 0 && owner != t->tid);
}

/* This thread claimed the right to end the process (its fatal report is being written): a signal
 * handler that interrupts it cannot wait for that report to finish. */
static __thread int tls_ending_process __attribute__((tls_model("initial-exec")));

static int claim_termination(void)
{
	int claimed = report_claim_termination();
	if (claimed)
		tls_ending_process = 1;
	return claimed;
}

static void release_termination(void)
{
	tls_ending_process = 0;
	report_release_termination();
}

enum ev_verdict ev_relock(struct thread_rec *t, struct acquire *a, int blocking)
{
	held_sync(t);
	int idx = held_find(t, a->lock);
	if (idx >= 0 && held_entry_stale(t, a)) {
		held_remove(t, idx);
		idx = -1;
	}
	a->held_idx = idx;
	if (idx < 0) {
		/* Not held after all: a first acquisition, edges included. */
		if (blocking && t->nheld > 0)
			ev_add_order_edges(t, a);
		return EV_PROCEED;
	}
	if (a->relock == RELOCK_NEST)
		return EV_PROCEED;
	if (a->relock == RELOCK_TIMED) {
		/* Not a hang: the call ends at its deadline (ETIMEDOUT) and the program goes on. */
		report_double_lock(t, a, &t->held[idx]);
		return EV_PROCEED;
	}
	if (a->relock == RELOCK_FATAL && !claim_termination())
		for (;;)
			pause();        /* another thread is ending the process */
	int shown = report_double_lock(t, a, &t->held[idx]);
	if (a->relock == RELOCK_EDEADLK)
		return EV_REFUSE;
	if (shown)
		report_terminate(1);
	release_termination();          /* suppressed: go on and hang, as without the checker */
	return EV_PROCEED;
}

void ev_acquire_reentered(struct acquire *a)
{
	struct thread_rec *t = tls_self;
	if (!t || !tls_guard || a->relock != RELOCK_FATAL)
		return;
	int idx = held_find(t, a->lock);
	if (idx < 0 || held_entry_stale(t, a))
		return;
	const struct held_lock *h = &t->held[idx];
	int claimed = claim_termination();
	if (!claimed && !tls_ending_process) {
		/* Another thread is ending the process: give it ample time, then assume it is stuck. */
		for (int i = 0; i < 1000; i++) {
			struct timespec ms10 = { 0, 10000000 };
			nanosleep(&ms10, NULL);
		}
	}
	if (!claimed || ilock_depth > 0) {
		/* The interrupted code holds checker locks, or is itself writing the fatal report that
		 * cannot finish now: the pipeline is out of reach. */
		struct raw_double_lock d = { t->num, t->tid, a->lock, lock_kind_name(a->kind), a->pc, h->pc };
		raw_report_double_lock(&d);
	}
	if (!a->relock_why)
		a->relock_why = "a signal handler takes it while this thread, interrupted inside the checker, "
				"holds it: the process is ended with the exit code instead of hanging";
	/* No stdio flush: the interrupted code may be the program's own stdio. */
	if (report_double_lock(t, a, h))
		report_terminate(0);
	release_termination();
	/* Suppressed: wait for ever as without the checker, but where the watchdog sees it. */
	atomic_store(&t->wait_lock_kind, a->kind);
	wait_begin(t, W_LOCK, a->lock, 0, a->pc);
}

int ev_try_relock(struct thread_rec *t, const struct acquire *a, int idx)
{
	held_sync(t);
	idx = held_find(t, a->lock);
	if (idx < 0 || a->relock == RELOCK_NEST)
		return idx;
	/* A non-recursive lock this thread held could not have been taken again: the entry was stale. */
	held_remove(t, idx);
	return -1;
}


uint32_t ev_held_stack_from(const struct unwind_context *ctx)
{
	/* No cancellation bracket here: the capture turns cancellation off itself around the calls
	 * that can reach a cancellation point (libunwind's memory probe reads a pipe, libdw reads an
	 * object: deps_unwind.c, cancel_off), and a walk by cached rules reaches none.  The bracket
	 * this had cost two atomic updates of the thread's cancel state per hold a young thread
	 * records. */
	return stack_capture_from(ctx);
}

uint32_t ev_held_stack(void)
{
	return ev_held_stack_from(NULL);
}

void held_remove(struct thread_rec *t, int idx)
{
	memmove(&t->held[idx], &t->held[idx + 1], (size_t)(t->nheld - idx - 1) * sizeof t->held[0]);
	t->nheld--;
}

void held_drop_released(struct thread_rec *t)
{
	registry_lock();
	int n = atomic_load_explicit(&t->nreleased, memory_order_relaxed);
	for (int i = 0; i < n; i++) {
		int idx = held_find(t, t->released[i]);
		if (idx >= 0)
			held_remove(t, idx);
	}
	atomic_store_explicit(&t->nreleased, 0, memory_order_relaxed);
	registry_unlock();
}

void ev_released_for(int owner_num, const void *lock)
{
	registry_lock();
	struct thread_rec *o = registry_find_num(owner_num);
	if (o && registry_holds(o, lock))
		registry_post_release(o, lock);
	registry_unlock();
}

/* Returns the number of the other thread whose hold the unlock ends (0: none known). */
static int report_bad_unlock(struct thread_rec *t, const void *lock, int kind, pid_t owner_tid, uintptr_t pc)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return 0;
	int cancel_state = cancel_disable();
	report_init(r, RK_BAD_UNLOCK);
	int lk = report_add_lock(r, (uintptr_t)lock, lock_kind_name(kind));
	report_add_thread_rec(r, t);
	report_add_stack(r, "unlocked here", stack_capture(), 0);
	uintptr_t hpc = 0;
	uint32_t hstack = 0;
	registry_lock();
	struct thread_rec *o = NULL;
	if (owner_tid != 0) {
		const struct held_lock *h = NULL;
		o = registry_holder_of(lock, &h);
		if (h) {
			hpc = h->pc;
			hstack = h->stack;
		} else if (owner_tid > 0) {
			o = registry_find_tid(owner_tid);
		}
	}
	int onum = 0;
	pid_t otid = owner_tid;
	if (o && o != t) {
		report_add_thread_rec(r, o);
		onum = o->num;
		otid = o->tid;
	}
	registry_unlock();
	if (onum)
		snprintf(r->summary, sizeof r->summary,
			 "T%d unlocks L%d (%s) held by another thread, T%d (tid %d)", t->num, lk + 1,
			 lock_kind_name(kind), onum, (int)otid);
	else if (owner_tid > 0)
		snprintf(r->summary, sizeof r->summary, "T%d unlocks L%d (%s) held by another thread (tid %d)",
			 t->num, lk + 1, lock_kind_name(kind), (int)owner_tid);
	else if (owner_tid == 0)
		snprintf(r->summary, sizeof r->summary, "T%d unlocks L%d (%s) that is not locked", t->num, lk + 1,
			 lock_kind_name(kind));
	else
		snprintf(r->summary, sizeof r->summary, "T%d unlocks L%d (%s) that it does not hold", t->num,
			 lk + 1, lock_kind_name(kind));
	if (onum)
		report_add_stack(r, "the owner acquired it at", hstack, hpc);
	order_fill_lock_sites(r);
	r->signature = ((uint64_t)RK_BAD_UNLOCK << 56) ^ (uint64_t)(uintptr_t)lock ^ ((uint64_t)pc << 7);
	report_emit(r);
	free(r);
	cancel_restore(cancel_state);
	/* An rwlock's read holds cannot be told apart: leave the owner's entry alone. */
	return kind == LK_RWLOCK ? 0 : onum;
}

int ev_release_unheld(struct thread_rec *t, const void *lock, int kind, pid_t owner_tid, uintptr_t pc)
{
	if (t->overflow > 0) {
		t->overflow--;          /* deeper than we track: cannot tell, say nothing */
		return 0;
	}
	if (owner_tid > 0 && owner_tid == t->tid)
		return 0;               /* ours, taken before tracking started */
	return report_bad_unlock(t, lock, kind, owner_tid, pc);
}

/* Highest tid Linux hands out (PID_MAX_LIMIT on 64-bit): an "owner" above it is leftover bytes of
 * whatever the memory held before, not a thread. */
#define TID_LIMIT (1 << 22)

void ev_lock_created(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, pid_t old_owner,
		     const struct unwind_context *ctx, struct order_prior_init *prior)
{
	/* Whatever hold of this address there was belongs to a lock whose life has ended (stack or heap
	 * memory reused, or a re-initialisation): the new lock is unlocked. */
	held_sync(t);
	int idx = held_find(t, lock);
	if (idx >= 0)
		held_remove(t, idx);
	if (old_owner > 0 && old_owner < TID_LIMIT && old_owner != t->tid) {
		registry_lock();
		struct thread_rec *o = registry_find_tid(old_owner);
		if (o && registry_holds(o, lock))
			registry_post_release(o, lock);
		registry_unlock();
	}
	uintptr_t site = pc;
	uint32_t stack = init_site_stack(&t->init_sites, &site, ctx);
	if (site) {
		order_lock_created(lock, kind, site, stack, prior);
	} else {
		if (prior)
			order_init_site_prior(lock, prior);
		order_lock_destroyed(lock, NULL, NULL); /* made for its first use: placed there, as a static lock */
	}
}

void ev_lock_init_done(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, pid_t old_owner,
		       const struct unwind_context *ctx, struct life_init_check *check, int ok)
{
	if (ok)
		ev_lock_created(t, lock, kind, pc, old_owner, ctx, check->on ? &check->prior : NULL);
	life_init_end(t, lock, kind, pc, check, ok);
	if (ok) {
		life_initialised(t, lock, kind, pc);
		misuse_note_init(lock, kind);
	}
}

void ev_destroy_locked(struct thread_rec *t, const void *lock, int kind)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return;
	int cancel_state = cancel_disable();
	report_init(r, RK_DESTROY_LOCKED);
	int lk = report_add_lock(r, (uintptr_t)lock, lock_kind_name(kind));
	report_add_thread_rec(r, t);
	order_fill_lock_sites(r);
	int idx = held_find(t, lock);
	snprintf(r->summary, sizeof r->summary, "T%d destroys L%d (%s) while it is locked%s", t->num, lk + 1,
		 lock_kind_name(kind), idx >= 0 ? " by this thread" : "");
	report_add_stack(r, "destroyed here", stack_capture(), 0);
	if (idx >= 0)
		report_add_stack(r, "locked since", t->held[idx].stack, t->held[idx].pc);
	r->signature = ((uint64_t)RK_DESTROY_LOCKED << 56) ^ (uint64_t)(uintptr_t)lock;
	report_emit(r);
	free(r);
	cancel_restore(cancel_state);
}

void ev_lock_destroyed(struct thread_rec *t, const void *lock, struct life_destroy *destroy)
{
	int idx = held_find(t, lock);
	if (idx >= 0)
		held_remove(t, idx);
	order_lock_destroyed(lock, destroy ? life_destroy_record : NULL, destroy);
}

void ev_lock_destroyed_at(struct thread_rec *t, const void *lock, int kind, size_t size, uintptr_t pc)
{
	struct life_destroy destroyed;
	int remember = life_destroy_prepare(t, lock, kind, size, pc, &destroyed);
	ev_lock_destroyed(t, lock, remember ? &destroyed : NULL);
}

void thread_exit_hook(struct thread_rec *t)
{
	int cancel_state = cancel_disable();    /* reads /proc, may write a report */
	order_thread_exited(t);
	held_sync(t);           /* locks other threads unlocked for this one are not held */
	life_thread_exit(t);    /* exit-holding */
	cancel_restore(cancel_state);
}
