/* annotate: the entry points behind <coffman/annotate.h>, for locks coffman cannot interpose (a
 * spinlock on atomics, a futex lock, a project's own wrapper).  Each one reduces to the events a
 * pthread wrapper emits, so an annotated lock is a lock like any other from here on:
 *
 *   created    ev_lock_created (its site; its kind and flags remembered here)
 *   destroyed  ev_destroy_locked when some thread still holds it, then ev_lock_destroyed
 *   acquiring  ev_before_acquire: double-lock (fatal unless recursive), then the lock-order edges
 *   acquired   ev_after_acquire (a try-lock, or a blocking one with no `acquiring` before it)
 *   releasing  ev_release, or ev_release_unheld (bad-unlock)
 *   wait_begin wait_begin (W_LOCK), then the deadlock search when the holder itself waits
 *   wait_end   wait_end
 *
 * What coffman keeps per annotated lock is its kind (the program's name for it, annotate.h) and
 * whether it is recursive, in a table under its own internal lock, written when a lock is created or
 * destroyed.  Acquisitions read it through a small per-thread cache, flushed when the table changes,
 * so an annotated lock's hot path takes no shared lock.
 *
 * Waits: the program's own loop waits (spinning, or in futex), so no slice of ours ever runs in it.
 * Instead, the wait is published at once, and the thread looks for a cycle right away when the lock's
 * holder is itself waiting: the last thread to join a wait-for cycle always finds its holder waiting,
 * so every cycle is seen by the thread that closes it (the wait states are published with
 * sequentially consistent stores, so of two threads closing a cycle at the same moment, at least one
 * sees the other).  The cost: a registry walk per contended acquisition, and a stack capture when the
 * waiting thread holds another lock (see wait_begin_annotated).
 */
#include "annotate.h"
#include "deadlock.h"
#include "ilock.h"
#include "profile.h"
#include "stacks.h"
#include "waits.h"
#include "wrap.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* The public header for its table and flags, without its lookup (this is what it looks up). */
#define COFFMAN_ANNOTATE_DISABLE
#include <coffman/annotate.h>

#define FLAG_RECURSIVE COFFMAN_ANNOTATE_RECURSIVE
#define FLAG_TRY COFFMAN_ANNOTATE_TRY
#define FLAG_SHARED COFFMAN_ANNOTATE_SHARED

/* ---- kinds: the names the program gave ---- */

#define KIND_NAME_MAX 48
#define KIND_COUNT (256 - LK_USER)      /* held_lock.kind is a byte */

static char kind_names[KIND_COUNT][KIND_NAME_MAX] = { "annotated lock" };
static atomic_int nkinds = 1;           /* published after the name is written */

const char *annotate_kind_name(int kind)
{
	int i = kind - LK_USER;
	if (i < 0 || i >= atomic_load_explicit(&nkinds, memory_order_acquire))
		return kind_names[0];
	return kind_names[i];
}

static struct ilock table_lock = ILOCK_INIT;

/* Table locked.  A name beyond the table, or none, is the generic kind. */
static int kind_of_name(const char *name)
{
	if (!name || !name[0])
		return LK_USER;
	int n = atomic_load_explicit(&nkinds, memory_order_relaxed);
	for (int i = 1; i < n; i++)
		if (strncmp(kind_names[i], name, KIND_NAME_MAX - 1) == 0)
			return LK_USER + i;
	if (n == KIND_COUNT)
		return LK_USER;
	snprintf(kind_names[n], KIND_NAME_MAX, "%s", name);
	atomic_store_explicit(&nkinds, n + 1, memory_order_release);
	return LK_USER + n;
}

/* ---- per-lock facts, and the per-thread cache in front of them ---- */

struct lock_info {
	uintptr_t addr;
	uint8_t kind;
	uint8_t flags;
	UT_hash_handle hh;
};

static struct lock_info *infos;
/* Bumped whenever the table changes: a thread whose cache is older flushes it. */
static atomic_uint table_generation = 1;

#define CACHE_SLOTS 32
struct info_slot {
	uintptr_t addr;
	uint8_t kind, flags;
};
static __thread struct info_slot tls_cache[CACHE_SLOTS] __attribute__((tls_model("initial-exec")));
static __thread unsigned tls_cache_generation __attribute__((tls_model("initial-exec")));

/* The kind and creation flags of lock; an address never created is a generic non-recursive one. */
static struct info_slot lock_facts(const void *lock)
{
	uintptr_t addr = (uintptr_t)lock;
	unsigned gen = atomic_load_explicit(&table_generation, memory_order_acquire);
	if (__builtin_expect(gen != tls_cache_generation, 0)) {
		memset(tls_cache, 0, sizeof tls_cache);
		tls_cache_generation = gen;
	}
	struct info_slot *s = &tls_cache[(addr >> 4 ^ addr >> 10) & (CACHE_SLOTS - 1)];
	if (__builtin_expect(s->addr == addr && addr != 0, 1))
		return *s;
	struct info_slot found = { addr, LK_USER, 0 };
	ilock_acquire(&table_lock);
	struct lock_info *li;
	HASH_FIND(hh, infos, &addr, sizeof addr, li);
	if (li) {
		found.kind = li->kind;
		found.flags = li->flags;
	}
	ilock_release(&table_lock);
	*s = found;
	return found;
}

static int facts_put(const void *lock, const char *name, unsigned flags)
{
	uintptr_t addr = (uintptr_t)lock;
	struct lock_info *fresh = malloc(sizeof *fresh);      /* outside the lock: it may take mem's */
	ilock_acquire(&table_lock);
	int kind = kind_of_name(name);
	struct lock_info *li;
	HASH_FIND(hh, infos, &addr, sizeof addr, li);
	if (!li && fresh) {
		li = fresh;
		fresh = NULL;
		li->addr = addr;
		HASH_ADD(hh, infos, addr, sizeof li->addr, li);
	}
	if (li) {
		li->kind = (uint8_t)kind;
		li->flags = (uint8_t)(flags & FLAG_RECURSIVE);
	}
	atomic_fetch_add_explicit(&table_generation, 1, memory_order_release);
	ilock_release(&table_lock);
	free(fresh);
	return kind;
}

static void facts_drop(const void *lock)
{
	uintptr_t addr = (uintptr_t)lock;
	ilock_acquire(&table_lock);
	struct lock_info *li;
	HASH_FIND(hh, infos, &addr, sizeof addr, li);
	if (li)
		HASH_DEL(infos, li);
	atomic_fetch_add_explicit(&table_generation, 1, memory_order_release);
	ilock_release(&table_lock);
	free(li);
}

void annotate_lock_for_fork(void) { ilock_acquire(&table_lock); }
void annotate_unlock_after_fork(void) { ilock_release(&table_lock); }
void annotate_after_fork_child(void) { ilock_reset(&table_lock); }

int annotate_wait_is_annotated(const struct thread_rec *t)
{
	return atomic_load(&t->wait_kind) == W_LOCK && atomic_load(&t->wait_lock_kind) >= LK_USER;
}

/* ---- the entry points ---- */

/* The blocking acquisition `acquiring` announced, so that `acquired` does not make its edges again. */
static __thread const void *tls_acquiring __attribute__((tls_model("initial-exec")));

static void fill_acquire(struct thread_rec *t, struct acquire *a, const void *lock, struct info_slot f,
			 unsigned flags, uintptr_t pc)
{
	flags |= f.flags;
	a->lock = lock;
	a->pc = pc;
	a->kind = f.kind;
	a->shared = (flags & FLAG_SHARED) != 0;
	a->owner_of = NULL;     /* the lock says nothing about its owner: the held stack is the truth */
	int idx = held_find(t, lock);
	if (flags & FLAG_RECURSIVE)
		a->relock = RELOCK_NEST;
	else if (idx >= 0 && (t->held[idx].flags & HELD_SHARED) && a->shared)
		a->relock = RELOCK_NEST;        /* a second read hold */
	else
		a->relock = RELOCK_FATAL;
	if (idx >= 0 && (t->held[idx].flags & HELD_SHARED) && !a->shared)
		a->relock_why = "read-to-write upgrade: the write hold waits for this thread's own read hold";
}

static void lock_created(const volatile void *vlock, const char *name, unsigned flags, uintptr_t pc)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	int kind = facts_put(lock, name, flags);
	ev_lock_created(t, lock, kind, pc, 0, NULL, NULL);
	shim_leave();
}

static void lock_destroyed(const volatile void *vlock)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	int kind = lock_facts(lock).kind;
	held_sync(t);
	registry_lock();
	int held = registry_holder_of(lock, NULL) != NULL;
	registry_unlock();
	if (held)
		ev_destroy_locked(t, lock, kind);
	ev_lock_destroyed(t, lock, NULL);
	facts_drop(lock);
	shim_leave();
}

static void acquiring_as(struct thread_rec *t, const void *lock, struct info_slot facts, unsigned flags,
			 uintptr_t pc, pid_t (*owner_of)(const void *))
{
	struct acquire a;
	memset(&a, 0, sizeof a);
	fill_acquire(t, &a, lock, facts, flags, pc);
	a.owner_of = owner_of;
	ev_before_acquire(t, &a, 1);
	tls_acquiring = lock;
}

static void lock_acquiring(const volatile void *vlock, unsigned flags, uintptr_t pc)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	acquiring_as(t, lock, lock_facts(lock), flags, pc, NULL);
	shim_leave();
}

static void acquired_as(struct thread_rec *t, const void *lock, struct info_slot facts, unsigned flags,
			uintptr_t pc, pid_t (*owner_of)(const void *))
{
	struct acquire a;
	memset(&a, 0, sizeof a);
	fill_acquire(t, &a, lock, facts, flags, pc);
	a.owner_of = owner_of;
	if (flags & FLAG_TRY) {
		ev_after_acquire(t, &a, 1);
	} else {
		int idx = held_find(t, lock);
		if (tls_acquiring != lock) {
			/* No `acquiring` before it: the edges now.  A non-recursive lock this thread still
			 * lists could not have been taken again: that entry is stale (an unannotated release). */
			held_sync(t);
			idx = held_find(t, lock);
			if (idx >= 0 && a.relock != RELOCK_NEST) {
				held_remove(t, idx);
				idx = -1;
			}
			if (idx < 0 && t->nheld > 0)
				ev_add_order_edges(t, &a);
		}
		a.held_idx = idx;
		ev_after_acquire(t, &a, 0);
	}
	tls_acquiring = NULL;
}

static void lock_acquired(const volatile void *vlock, unsigned flags, uintptr_t pc)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	acquired_as(t, lock, lock_facts(lock), flags, pc, NULL);
	shim_leave();
}

static void lock_releasing(const volatile void *vlock, unsigned flags, uintptr_t pc)
{
	(void)flags;
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	if (ev_release(t, lock) != 0) {
		/* Not this thread's: held by another one (the report names it), or by nobody. */
		registry_lock();
		int held_elsewhere = registry_holder_of(lock, NULL) != NULL;
		registry_unlock();
		int owner_num = ev_release_unheld(t, lock, lock_facts(lock).kind, held_elsewhere ? -1 : 0, pc);
		if (owner_num)
			ev_released_for(owner_num, lock);      /* it is about to be free, whoever held it */
	}
	shim_leave();
}

/* The holder of lock is itself blocked: this wait may close a cycle (registry locked inside). */
static int holder_waits(struct thread_rec *t, const void *lock, int kind)
{
	registry_lock();
	struct thread_rec *h = deadlock_holder_of(lock, kind);
	int waits = h && (h == t || (atomic_load(&h->wait_kind) != W_NONE && !atomic_load(&h->wait_timed)));
	registry_unlock();
	return waits;
}

static void wait_begin_as(struct thread_rec *t, const void *lock, int kind, uintptr_t pc)
{
	if (atomic_load(&t->wait_kind) == W_NONE) {
		atomic_store(&t->wait_lock_kind, kind);
		wait_begin(t, W_LOCK, lock, 0, pc);
		/* Its stack must be taken now, if at all: nothing of ours runs during the program's wait.
		 * Only a thread that holds a lock can be in a lock cycle, so only its waits pay for the
		 * capture; a wait that holds nothing (most contention) costs a few stores and the walk below.
		 * (The watchdog samples a stuck thread that has no stack.) */
		if (t->nheld > 0)
			wait_slice_expired(t, 0);
		if (holder_waits(t, lock, kind)) {
			wait_slice_expired(t, 0);
			deadlock_check(t);
		}
	}
}

static void wait_begin_annotated(const volatile void *vlock, uintptr_t pc)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	wait_begin_as(t, lock, lock_facts(lock).kind, pc);
	shim_leave();
}

static void wait_end_annotated(const volatile void *vlock)
{
	const void *lock = (const void *)vlock;
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	if (atomic_load(&t->wait_kind) == W_LOCK && atomic_load(&t->wait_obj) == lock)
		wait_end(t);
	shim_leave();
}

/* ---- lock families interposed without pthread underneath (annotate.h) ---- */

int annotate_family_kind(const char *name)
{
	ilock_acquire(&table_lock);
	int kind = kind_of_name(name);
	ilock_release(&table_lock);
	return kind;
}

static struct info_slot family_facts(const void *lock, int kind)
{
	return (struct info_slot){ (uintptr_t)lock, (uint8_t)kind, 0 };
}

void annotate_family_created(const void *lock, int kind, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	ev_lock_created(t, lock, kind, pc, 0, NULL, NULL);
	shim_leave();
}

void annotate_family_destroyed(const void *lock, int kind, int locked)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	held_sync(t);
	registry_lock();
	int held = registry_holder_of(lock, NULL) != NULL;
	registry_unlock();
	if (held && locked)
		ev_destroy_locked(t, lock, kind);
	ev_lock_destroyed(t, lock, NULL);
	shim_leave();
}

void annotate_family_acquiring(const void *lock, int kind, uintptr_t pc, pid_t (*owner_of)(const void *))
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	acquiring_as(t, lock, family_facts(lock, kind), 0, pc, owner_of);
	shim_leave();
}

void annotate_family_acquired(const void *lock, int kind, int try, uintptr_t pc, pid_t (*owner_of)(const void *))
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	acquired_as(t, lock, family_facts(lock, kind), try ? FLAG_TRY : 0, pc, owner_of);
	shim_leave();
}

/* A release coffman did not see taken is not reported: the family's own library takes its locks
 * where no wrapper sees it.  A hold another thread is recorded with ends all the same, so that its
 * record does not outlive the lock's real state. */
void annotate_family_releasing(const void *lock)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	if (ev_release(t, lock) != 0) {
		registry_lock();
		struct thread_rec *o = registry_holder_of(lock, NULL);
		if (o && o != t)
			registry_post_release(o, lock);
		registry_unlock();
	}
	shim_leave();
}

/* The family's lock call is its wait: no wait_for_lock runs for it, so the contention profile's count
 * and time of contended acquisitions (and the waiter's stack) are taken here, or a GMutex that four
 * threads fight over would show 0 contended, 0 ns waited. */
uint64_t annotate_family_wait_begin(const void *lock, int kind, uintptr_t pc)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return 0;
	wait_begin_as(t, lock, kind, pc);
	uint64_t began = profile_on ? profile_wait_begin(t, lock, kind) : 0;
	shim_leave();
	return began;
}

void annotate_family_wait_end(const void *lock, int kind, uintptr_t pc, uint64_t began)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return;
	if (profile_on && began)
		profile_wait_end(t, lock, kind, pc, began, 1);
	if (atomic_load(&t->wait_kind) == W_LOCK && atomic_load(&t->wait_obj) == lock)
		wait_end(t);
	shim_leave();
}

/* Exported one by one (for other languages) and as the table the header looks up.  Each is a function
 * of its own so that its return address is the program's call site. */

EXPORT void coffman_annotate_lock_created(const volatile void *lock, const char *name, unsigned flags)
{
	lock_created(lock, name, flags, CALLER_PC);
}

EXPORT void coffman_annotate_lock_destroyed(const volatile void *lock)
{
	lock_destroyed(lock);
}

EXPORT void coffman_annotate_lock_acquiring(const volatile void *lock, unsigned flags)
{
	lock_acquiring(lock, flags, CALLER_PC);
}

EXPORT void coffman_annotate_lock_acquired(const volatile void *lock, unsigned flags)
{
	lock_acquired(lock, flags, CALLER_PC);
}

EXPORT void coffman_annotate_lock_releasing(const volatile void *lock, unsigned flags)
{
	lock_releasing(lock, flags, CALLER_PC);
}

EXPORT void coffman_annotate_wait_begin(const volatile void *lock)
{
	wait_begin_annotated(lock, CALLER_PC);
}

EXPORT void coffman_annotate_wait_end(const volatile void *lock)
{
	wait_end_annotated(lock);
}

EXPORT const struct coffman_annotate_v1 coffman_annotate_v1 = {
	sizeof(struct coffman_annotate_v1),
	coffman_annotate_lock_created,
	coffman_annotate_lock_destroyed,
	coffman_annotate_lock_acquiring,
	coffman_annotate_lock_acquired,
	coffman_annotate_lock_releasing,
	coffman_annotate_wait_begin,
	coffman_annotate_wait_end,
};
