/* threads: per-thread state and the registry of live threads.
 *
 * Each thread that touches a lock gets a thread_rec, reached through an initial-exec TLS pointer (one
 * load on the hot path).  The record's hot part (held-lock stack, edge cache) is written only by its own
 * thread and sits on its own cache lines, so the fast path writes no line another thread reads.  Other
 * threads read a record (wait state, held locks) only on slow paths — deadlock search, watchdog,
 * reports — and only while holding the registry lock, which is also what a thread takes to remove its
 * record at exit, so a record is never freed under a reader.
 *
 * Bounded: the held stack has HELD_MAX entries (deeper nesting is counted, not tracked); the edge cache
 * is a fixed direct-mapped table.
 */
#ifndef COFFMAN_THREADS_H
#define COFFMAN_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "deps_api.h"
#include "init_sites.h"

#define HELD_MAX 64
#define EDGE_CACHE_SLOTS 256            /* initial size, in the record; power of two */
#define EDGE_CACHE_MAX_SLOTS 16384      /* a thread that keeps missing known edges grows up to this */
#define THREAD_NAME_MAX 16
#define RELEASED_MAX 16                 /* foreign releases waiting for their owner to notice */
/* Acquisitions for which a thread records the full stack of each lock it takes: new edges appear
 * while a thread is young or doing something new, and an edge's report wants the held lock's whole
 * stack.  Topped up to HELD_CAPTURE_REFILL when the thread creates an edge (a small top-up: a program
 * with striped locks makes new edges all the time, and must not record stacks all the time); at zero
 * the fast path is untouched. */
#define HELD_CAPTURE_BUDGET 256
#define HELD_CAPTURE_REFILL 16          /* after each new edge: the next few acquisitions */
#define HELD_CAPTURE_ALWAYS INT_MAX     /* COFFMAN_HELD_STACKS=1: a budget that is never spent */
#define HELD_CAPTURE_WATCH (INT_MAX - 1) /* slow path, no stacks: a lock is watched (contention.h) */
/* Each edge the thread finds already known spends this much more of the budget: a young thread that
 * walks locks other threads have walked (a pool of workers) stops recording stacks after 32 such
 * edges instead of 256 acquisitions, while one making new edges keeps being topped up. */
#define HELD_CAPTURE_KNOWN_COST 8

/* LK_COND and LK_SEM are not locks (never in a held stack): objects whose life lifecycle.c follows. */
enum lock_kind { LK_MUTEX = 0, LK_RWLOCK, LK_SPIN, LK_C11, LK_ONCE, LK_COND, LK_SEM,
	/* LK_USER..255: locks the program annotated, one kind per name it gave them (annotate.h) */
	LK_USER = 32 };

struct held_lock {
	const void *lock;
	uintptr_t pc;                   /* return address into the caller of the locking function */
	uint32_t stack;                 /* full acquisition stack id, when COFFMAN_HELD_STACKS=1 */
	uint32_t depth;                 /* nested holds of a recursive lock, or readers of an rwlock: as
					 * wide as glibc's own counters (a narrower one wraps, and the
					 * lock is then forgotten while still held); 32-byte entries */
	uint8_t kind;                   /* enum lock_kind */
	uint8_t flags;                  /* HELD_TRYLOCK, HELD_SHARED, HELD_TIMED */
};
#define HELD_TRYLOCK 1u
#define HELD_SHARED 2u
/* The contention profile times this hold (profile_hold_begin): a hint for the mutex unlock fast path,
 * which then takes the profile's slow path; that path asks the profile itself (timing_lock). */
#define HELD_TIMED 4u

struct edge_slot {
	const void *from, *to, *gate;
};

/* W_SEM and W_BARRIER: a semaphore or barrier wait (wrap_sem.c).  Like W_COND they have no owner to
 * follow: they take part in the all-threads-blocked search and the watchdog, never in a wait-for cycle. */
enum wait_kind { W_NONE = 0, W_LOCK, W_COND, W_JOIN, W_ONCE, W_SEM, W_BARRIER };

/* gdb/coffman-gdb.py reads records by field name (num, tid, nheld, held[], nreleased, released[],
 * wait_*, join_num, next) from reg_head in threads.c: a renamed field fails tests/debugger_gdb.sh. */
enum thread_exit_how {
	TX_UNKNOWN = 0,         /* not seen (a thread not created through pthread_create/thrd_create) */
	TX_RETURNED,            /* returned from its start routine */
	TX_PTHREAD_EXIT,        /* pthread_exit / thrd_exit, exit_stack where it was called */
	TX_CANCELLED,           /* acted on a cancellation request somewhere */
	TX_CANCELLED_IN_WAIT,   /* cancelled in a condition wait (exit_stack: the wait), mutex re-taken */
};

struct prof_thread;
/* A thread's long lock waits on one lock, summed (contention.c: starvation by an unfair share).
 * Written by the owner thread; another thread's starvation check reads waited_ns racily. */
#define WAIT_TALLY_SLOTS 4
struct wait_tally {
	const void *lock;               /* NULL: free */
	_Atomic uint64_t waited_ns;     /* waits of at least the early-watch time, summed */
	unsigned waits;                 /* how many */
	unsigned retakes;               /* re-takes by other threads seen during the watched ones */
	int taker;                      /* the thread that re-took it most meanwhile, how often, where */
	unsigned taker_count;
	uint32_t taker_stack;
	uintptr_t taker_pc;
	int reported;
};

struct thread_rec {
	/* hot, owner-written */
	int nheld;
	unsigned overflow;              /* holds beyond HELD_MAX, untracked */
	unsigned cache_epoch;
	int capture_budget;             /* see HELD_CAPTURE_BUDGET */
	struct edge_slot *cache;        /* cache_inline, or a larger heap table */
	unsigned cache_mask;            /* slots - 1 */
	unsigned cache_known_misses;    /* misses on edges the graph knew: the cache is too small */
	/* The owner id glibc writes into a mutex this thread takes (its THREAD_SELF->tid), learnt from
	 * glibc itself; 0 when the lock fast path must leave every trylock to glibc (glibc_self_id). */
	pid_t glibc_id;
	/* How many holds other threads have ended for this one (released[] below): read by every fast
	 * lock, which leaves a thread with such holds to the slow path (held_sync) — and written only by
	 * another thread's slow path, so it may sit on this line. */
	_Atomic int nreleased;
	struct prof_thread *prof;       /* contention profile counters (profile.h), NULL when off */
	struct held_lock held[HELD_MAX];
	struct edge_slot cache_inline[EDGE_CACHE_SLOTS];

	/* identity */
	int num;                        /* T1 is the main thread */
	pid_t tid;
	pthread_t self;
	uint32_t create_stack;
	int parent_num;
	uint64_t start_ns;              /* when it registered: for "these threads never overlapped" */
	uintptr_t start_routine;        /* the function the thread runs, when created through us */
	uintptr_t stack_top;            /* its stack lies below this (0: unknown) */
	struct init_site_cache init_sites;      /* the last lock-init sites looked at (init_sites.h) */
	/* The lock this thread's trylocks keep failing on (its streak, contention.c), or NULL; written
	 * with the streak by the thread itself.  The trylock fast path takes a mutex only when it is not
	 * this one: a success on that lock ends the streak, which only the slow path does.  A stale value
	 * (the slot taken over by another thread) only sends that lock's trylocks the slow way. */
	const void *try_streak_lock;

	/* How the thread ends, for an exit-holding report (lifecycle.c): written by the thread itself
	 * (start trampoline, pthread_exit, a cancelled condition wait) before its exit hook runs; the
	 * canceller's identity is written by the thread that called pthread_cancel. */
	uint8_t exit_how;               /* enum thread_exit_how */
	uint32_t exit_stack;
	_Atomic int cancel_by;          /* number of the thread whose pthread_cancel ended this one */
	_Atomic uint32_t cancel_stack;  /* where it called pthread_cancel */

	/* Holds another thread ended for this one: an unlock by a non-owner that really released the
	 * lock, or an *_init over a lock this thread had left locked.  The held stack is written only by
	 * its owner, so the other thread posts the lock here (registry lock held) and the owner drops the
	 * entry on its next slow path (held_sync); until then registry_holder_of ignores it. */
	const void *released[RELEASED_MAX];     /* nreleased (in the hot part) of them */

	/* wait state: written by the owner with atomics, read by others under the registry lock */
	_Atomic int wait_kind;          /* enum wait_kind */
	const void *_Atomic wait_obj;   /* the lock, condition variable, once control, semaphore, barrier */
	_Atomic int join_num;           /* W_JOIN: number of the thread being joined */
	_Atomic int wait_timed;         /* a timed wait ends by itself: never part of a deadlock */
	_Atomic uint64_t wait_since_ns;
	_Atomic uint32_t wait_stack;    /* stack at the blocking call, captured once the wait is long */
	_Atomic uintptr_t wait_pc;      /* the blocking call's return address, always */
	_Atomic int wait_lock_kind;     /* enum lock_kind of wait_obj for W_LOCK */
	_Atomic unsigned transitions;   /* bumped on every wait start and end: detects a stale snapshot */
	_Atomic int in_slice;           /* between two attempts of a published wait (stack capture,
					 * deadlock search): running, but none of the program's code */
	_Atomic int hang_reported;
	/* the watchdog's own (watchdog.c, holder_parks): when this wait's holder last sat idle in an event
	 * loop's wait or had slept again since, which holder, and its voluntary context switches then */
	uint64_t parked_seen_ns;
	uint64_t parked_switches;
	pid_t parked_holder;

	/* Condition variables this thread has seen in a call (direct-mapped, COND_SEEN_SLOTS): a signal on
	 * one of them skips lifecycle's never-initialised check (lifecycle.h, life_cond_first_sight). */
	const void *cond_seen[8];

	struct wait_tally tally[WAIT_TALLY_SLOTS];

	/* the watchdog's sample of this thread's current stack, written by its signal handler */
	uintptr_t sample[48];
	_Atomic int nsample;            /* -1 requested, >= 0 filled */

	/* the stacks this thread's captures found last, with what decided them (deps_api.h: the memo) */
	struct unwind_memo unwind_memo[UNWIND_MEMO_ENTRIES];

	/* registry links */
	struct thread_rec *prev, *next;
} __attribute__((aligned(64)));

/* Re-entry guard and the TLS pointer: initial-exec, so an access is one %fs-relative load — after a load
 * of the variable's offset from the GOT (a shared library learns it only at load time).  The two live in
 * one variable so that a fast path that reads both loads that offset once. */
struct shim_tls {
	struct thread_rec *self;
	int guard;
};
extern __thread struct shim_tls shim_tls __attribute__((tls_model("initial-exec")));
#define tls_self (shim_tls.self)
#define tls_guard (shim_tls.guard)

/* The calling thread's record, registering it on first use; NULL while the shim must stay out of the
 * way (re-entered, not initialised, thread exiting). */
struct thread_rec *thread_self_slow(void);
static inline struct thread_rec *thread_self(void)
{
	struct thread_rec *t = tls_self;
	return __builtin_expect(t != NULL, 1) ? t : thread_self_slow();
}

/* Called from the pthread_create trampoline before the start routine runs. */
void thread_register_created(int parent_num, uint32_t create_stack);
void thread_set_name_from_kernel(struct thread_rec *t, char *buf, size_t len);
/* A small file of /proc/self/task/TID/ (tid 0: of /proc/self/) read into buf, NUL-terminated: its
 * length, or -1 (no such thread, no /proc in a sandbox).  A short-lived descriptor, opened close-on-exec. */
ssize_t thread_proc_read(pid_t tid, const char *file, char *buf, size_t len);

/* Registry access for slow paths. */
void registry_lock(void);
void registry_unlock(void);
struct thread_rec *registry_first(void);          /* iterate with ->next, registry locked */
struct thread_rec *registry_find_tid(pid_t tid);  /* registry locked */
struct thread_rec *registry_find_pthread(pthread_t th);
struct thread_rec *registry_find_num(int num);
/* The live thread whose held stack lists lock (registry locked); *held gets that entry.  NULL if none. */
struct thread_rec *registry_holder_of(const void *lock, const struct held_lock **held);
/* t's held stack lists lock and no other thread has released it for t (registry locked). */
int registry_holds(const struct thread_rec *t, const void *lock);
/* The program's threads coffman knows to be alive (0: its last one has ended). */
int registry_count(void);
/* Registry locked: fn for every lock some thread holds, with the thread registry_holder_of would name
 * first (registry order; entries released by another thread left out). */
void registry_each_live_hold(void (*fn)(void *arg, struct thread_rec *t, const void *lock), void *arg);
/* Another thread ended owner's hold of lock (registry locked): owner drops it at its next held_sync. */
void registry_post_release(struct thread_rec *owner, const void *lock);

/* Capturing and symbolizing stacks, and writing reports, reach cancellation points (open, read,
 * write): a thread with a cancel pending would unwind out of the checker holding its internal locks,
 * and every other thread would then wait for them for ever.  Such slow paths run with cancellation
 * disabled (an atomic flag in the thread, no system call) and restore the program's state after. */
static inline int cancel_disable(void)
{
	int state;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
	return state;
}

static inline void cancel_restore(int state)
{
	pthread_setcancelstate(state, NULL);
}

void threads_init_main(void);                     /* constructor: registers T1 */
void threads_after_fork_child(void);              /* only the forking thread survives */

uint64_t now_ns(void);

#endif
