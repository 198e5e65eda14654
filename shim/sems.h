/* sems: what the checker knows of each semaphore and barrier, and their misuse reports.
 *
 * A semaphore has no owner: a post may come from any thread, so it adds no lock-order edge and no
 * wait-for edge.  What the checker needs is each object's identity (where it was initialised, a named
 * semaphore's name, whether another process can reach it, a barrier's count) for the all-threads-blocked
 * search and the watchdog, and its life (destroyed or not) to report a use after sem_destroy,
 * pthread_barrier_destroy or the last sem_close.
 *
 * Reports (kinds shared with the lock lifecycle checks):
 *   use-after-destroy  a wait or post on a destroyed semaphore (after the last sem_close of a named
 *                      one), a barrier wait after pthread_barrier_destroy; a destroy while threads wait
 *                      on the object; a failed sem_init or pthread_barrier_init (the memory is then not
 *                      an initialised object)
 *   reinit-live        sem_init or pthread_barrier_init while threads wait on the object, or on a
 *                      live one (initialised, not destroyed) in the program's static data or
 *                      initialised twice in one function (on the heap: never, it may be reused memory)
 *   use-after-destroy  also: a call on memory never initialised as a semaphore or barrier (glibc's mark
 *                      in it is missing)
 *
 * Costs.  glibc's sem_destroy does nothing to the semaphore, so a destroyed one is recognised by its
 * address: a fixed table of the most recently destroyed objects, SEMS_DEAD_WAYS per bucket, read
 * lock-free.  sem_post and the non-blocking part of sem_wait pay one look at their bucket (a few loads
 * of one cache line) and nothing else; everything below that runs only on a blocking wait, an init, a
 * destroy, a report.  A snapshot of the object's bytes taken at the destroy tells a destroyed object
 * from new data written to the same memory since (never a report then).
 *
 * Locking: one internal lock, taken after the registry lock when both are held, never the other way.
 * Every function here is called with the re-entry guard raised.
 */
#ifndef COFFMAN_SEMS_H
#define COFFMAN_SEMS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "threads.h"

enum sync_kind { SK_SEM = 0, SK_NAMED_SEM, SK_BARRIER };

/* ---------------------------------------------------------------- destroyed objects (hot path) */

#define SEMS_DEAD_BUCKETS 512
#define SEMS_DEAD_WAYS 4

extern _Atomic uintptr_t sems_dead[SEMS_DEAD_BUCKETS][SEMS_DEAD_WAYS];

static inline unsigned sems_bucket(const void *obj)
{
	uintptr_t a = (uintptr_t)obj;
	return (unsigned)((a >> 4) ^ (a >> 13) ^ (a >> 22)) & (SEMS_DEAD_BUCKETS - 1);
}

/* Might obj be a destroyed semaphore or barrier?  0 means certainly not.  Lock-free, no writes. */
static inline int sems_maybe_destroyed(const void *obj)
{
	const _Atomic uintptr_t *b = sems_dead[sems_bucket(obj)];
	uintptr_t a = (uintptr_t)obj;
	int hit = 0;
	for (int i = 0; i < SEMS_DEAD_WAYS; i++)
		hit |= atomic_load_explicit(&b[i], memory_order_relaxed) == a;
	return hit;
}

/* t calls `call` (e.g. "sem_post") on obj at pc, and sems_maybe_destroyed(obj) said yes: if obj is
 * still the destroyed object (its bytes unchanged since), report use-after-destroy. */
void sems_check_use(struct thread_rec *t, const void *obj, const char *call, uintptr_t pc);

/* ---------------------------------------------------------------- never initialised */

/* glibc's own mark in an initialised semaphore (its "private" word) and barrier (its "shared" word):
 * FUTEX_PRIVATE for a process-private object, FUTEX_SHARED (0) for a process-shared one.  Anything
 * else is memory that no sem_init or pthread_barrier_init wrote. */
#define SEMS_FUTEX_PRIVATE 128
#define SEMS_FUTEX_SHARED 0

static inline int sems_sem_private_field(const void *sem)
{
	return ((const volatile int *)sem)[2];          /* after the 64-bit value and waiter count */
}

static inline int sems_barrier_shared_field(const void *b)
{
	return ((const volatile int *)b)[3];            /* after in, current_round, count */
}

/* Cheap: is sem junk (never initialised)?  One load of memory the call reads anyway. */
static inline int sems_sem_is_junk(const void *sem)
{
	int f = sems_sem_private_field(sem);
	return f != SEMS_FUTEX_PRIVATE && f != SEMS_FUTEX_SHARED;
}

static inline int sems_barrier_is_junk(const void *b)
{
	int f = sems_barrier_shared_field(b);
	return f != SEMS_FUTEX_PRIVATE && f != SEMS_FUTEX_SHARED;
}

/* Report use-after-destroy: t calls `call` on obj (kind), memory that was never initialised as one. */
void sems_report_never_initialised(struct thread_rec *t, const void *obj, int kind, const char *call, uintptr_t pc);

/* ---------------------------------------------------------------- life */

/* Before the real init of obj (sem_init, pthread_barrier_init): reports reinit-live when threads wait
 * on it now. */
void sems_before_init(struct thread_rec *t, const void *obj, int kind, uintptr_t pc);
/* The init succeeded: obj is live, whatever it was before.  count: a barrier's; name: a named
 * semaphore's (sem_open: each open of the same name counts, until as many sem_close). */
void sems_initialised(const void *obj, int kind, int pshared, unsigned count, const char *name, uintptr_t pc);
/* The init failed with error err (value: a semaphore's initial value, a barrier's count): report it. */
void sems_init_failed(struct thread_rec *t, const void *obj, int kind, unsigned value, int err, uintptr_t pc);
/* Before the real destroy (or sem_close) of obj: reports use-after-destroy when threads wait on it.
 * Returns 1 when the object dies with the call (a sem_close that is not the last keeps it). */
int sems_before_destroy(struct thread_rec *t, const void *obj, int kind, uintptr_t pc);
/* The destroy went through: remember obj as destroyed (size: bytes to snapshot, 0 for memory that is
 * no longer mapped, a closed named semaphore). */
void sems_destroyed(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc);

/* ---------------------------------------------------------------- for the deadlock search and reports */

struct sync_info {
	int known;                      /* initialised (or opened) through the checker */
	int kind;                       /* enum sync_kind */
	int pshared;                    /* PTHREAD_PROCESS_SHARED, or a named semaphore */
	unsigned count;                 /* a barrier's threads per round */
	uintptr_t init_pc;              /* where it was initialised or opened */
	int before_fork;                /* that init was made before this process was forked (a parent's) */
	char name[64];                  /* a named semaphore's name */
};

/* What is known of obj (registry lock may be held). */
void sems_lookup(const void *obj, struct sync_info *out);
/* Another process may post obj or arrive at it: process-shared, named, unknown to the checker, or in
 * a MAP_SHARED mapping (the last is decided by the caller, which knows how to read the mappings). */
int sems_pshared_or_unknown(const void *obj);

void sems_lock_for_fork(void);
void sems_unlock_after_fork(void);
void sems_after_fork_child(void);

#endif
