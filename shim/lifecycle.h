/* lifecycle: the life of every synchronisation object — a mutex, rwlock, spinlock, mtx_t or condition
 * variable (semaphores use the same calls with LK_SEM) — from init through its uses to destroy, and the
 * end of the threads that hold them.  It reports:
 *
 *   use-after-destroy  a call on an object that was destroyed, or on memory never initialised as one
 *   reinit-live        *_init on an object that is live (initialised and not destroyed), locked or
 *                      waited on
 *   cond-misuse        a condition wait with a mutex the caller does not hold or with something that is
 *                      not a mutex, two mutexes with one condition variable at once, destroy while
 *                      threads wait on it
 *   exit-holding       a thread ends holding a lock that is not robust
 *
 * Costs: nothing on the mutex lock/unlock fast paths.  glibc marks a destroyed mutex (its kind becomes
 * -1, every later call fails with EINVAL) and a destroyed condition variable (a flag in __wrefs), so
 * those are recognised by reading the object itself on the slow path a failed call or a wait already
 * takes.  glibc leaves destroyed rwlocks and spinlocks untouched: for them a bounded cache remembers
 * the most recently destroyed objects (a snapshot of their bytes tells a destroyed object from new data
 * written to the same memory), and rwlock/spinlock calls first read one byte, the count of its bucket,
 * which is zero unless an object hashing there was destroyed.  Condition variables have a record
 * from their init or first use until their destroy: the mutex their waiters use and how many wait;
 * a thread's first call on one it has not seen looks the record up (a never-initialised one).
 *
 * Locking: one internal lock, a leaf (only the allocator is used under it).  Reports are written with
 * it released.  Every function here is called with the re-entry guard raised.
 */
#ifndef COFFMAN_LIFECYCLE_H
#define COFFMAN_LIFECYCLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "order.h"
#include "threads.h"

/* ---------------------------------------------------------------- destroyed objects */

#define LIFE_BUCKETS 1024

extern atomic_uchar life_bucket_used[LIFE_BUCKETS];

static inline unsigned life_bucket(const void *obj)
{
	uintptr_t a = (uintptr_t)obj;
	return (unsigned)((a >> 3) ^ (a >> 13) ^ (a >> 23)) & (LIFE_BUCKETS - 1);
}

/* Cheap and lock-free: might obj be a destroyed object the cache remembers?  0 means certainly not. */
static inline int life_maybe_destroyed(const void *obj)
{
	return atomic_load_explicit(&life_bucket_used[life_bucket(obj)], memory_order_relaxed) != 0;
}

/* The destroy of obj succeeded (called at pc by t): remember it, with a snapshot of its size bytes
 * (size 0: glibc marks it itself).  Call before ev_lock_destroyed (it asks whether *_init made it). */
void life_destroyed(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc);

/* The same in two steps, for a lock the site table keeps: prepared first (0: nothing to remember),
 * then recorded by ev_lock_destroyed in the same step as the site record goes (life_destroy_record
 * as its `also`, under the graph lock: lifecycle's own lock nests inside it). */
struct life_destroy {
	const void *obj;
	uintptr_t pc;
	uint64_t bytes;
	int thread_num;
	int kind;
};
int life_destroy_prepare(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc,
			 struct life_destroy *d);
void life_destroy_record(void *d);
/* obj was initialised: whatever it was before, it is now live. */
void life_initialised(struct thread_rec *t, const void *obj, int kind, uintptr_t pc);

/* How a use found the object. */
enum life_use { LIFE_DESTROYED, LIFE_UNINITIALISED };

/* Report that t called `call` (e.g. "pthread_mutex_lock") on obj, which is destroyed or was never
 * initialised; rc is the real call's result (say so when it is EINVAL), -1 for none (void calls). */
void life_report_use(struct thread_rec *t, const void *obj, int kind, const char *call, enum life_use why,
		     int rc, uintptr_t pc);

/* For objects glibc does not mark (rwlock, spinlock): if the cache remembers obj as destroyed and its
 * bytes are unchanged since, report the use and return 1.  Call only after life_maybe_destroyed(). */
int life_check_use(struct thread_rec *t, const void *obj, int kind, size_t size, const char *call, uintptr_t pc);
/* For objects glibc marks (mutex, mtx_t, condition variable): the memory says destroyed; is that the
 * destroy the cache remembers?  Fills the destroy's pc for the report.  Always safe to call. */
int life_was_destroyed(const void *obj, uintptr_t *destroy_pc, int *destroy_thread);

/* ---------------------------------------------------------------- re-initialisation */

/* A thread holding or waiting on an object, copied for a report. */
struct life_other {
	struct {
		int num;
		pid_t tid;
		uint32_t create_stack;
		int parent_num;
	} copy;                         /* its identity, copied under the registry lock */
	int found;
	uintptr_t pc;
	uint32_t stack;
};

/* Before the real *_init of obj (kind) at pc.  locked: what the memory says before the init (>0 a tid,
 * -1 locked by someone unknown, 0 not locked).  Reports reinit-live when obj is live. */
void life_before_init(struct thread_rec *t, const void *obj, int kind, uintptr_t pc, pid_t locked);

/* The same check for a lock the site table keeps (mutex, rwlock, spinlock, mtx_t), in three steps, so
 * that its site record is looked up once, in the update every init makes anyway:
 * - life_init_begin, before the real init: looks_live, the memory may hold a live object (else no
 *   check); locked as for life_before_init (its holder is looked up now, before the init resets it);
 * - after a successful init, ev_lock_created fills c->prior;
 * - life_init_end, last (initialised: the init succeeded, so c->prior is filled; after a failed init
 *   the record is looked up): the decision, and the report.
 * ev_lock_init_done makes the last two steps. */
struct life_init_check {
	int on;
	struct order_prior_init prior;
	struct life_other holder;
};
void life_init_begin(const void *obj, pid_t locked, int looks_live, struct life_init_check *c);
void life_init_end(struct thread_rec *t, const void *obj, int kind, uintptr_t pc, struct life_init_check *c,
		   int initialised);

/* An object that is live (initialised at live_pc, not destroyed, nobody holds or waits on it) is
 * initialised again at pc by t: is that surely a bug?  Yes for the program's static data, and for t's
 * own stack when both inits are in one function; memory elsewhere may have been freed and reused. */
int life_reinit_reportable(struct thread_rec *t, const void *obj, uintptr_t live_pc, uintptr_t pc);

/* ---------------------------------------------------------------- condition variables */

/* Before a condition wait on c with m: reports cond-misuse when another thread waits on c with a
 * different mutex now.  Counts the waiter until life_cond_wait_end. */
void life_cond_wait_begin(struct thread_rec *t, const void *c, const void *m);
void life_cond_wait_end(struct thread_rec *t, const void *c);
/* The wait's mutex is not held by the caller (owner_tid: what the mutex says, >0 a tid, 0 unlocked,
 * -1 unknown).  Reports cond-misuse unless explicable; returns the number of the thread whose hold the
 * wait's unlock ends, 0 if none (as ev_release_unheld). */
int life_cond_wait_unheld(struct thread_rec *t, const void *c, const void *m, pid_t owner_tid, uintptr_t pc);
/* The wait's "mutex" is known to be something else (not_a kind: rwlock, spinlock, condition variable):
 * report cond-misuse.  Returns 1 if m is not a mutex (then the caller leaves its bookkeeping alone). */
int life_cond_wait_not_mutex(struct thread_rec *t, const void *c, const void *m, uintptr_t pc);
/* A call on c from a thread that has not seen c before (t->cond_seen): if no thread has (no init, wait,
 * signal or destroy went through the checker) and its bytes are not what a condition variable holds
 * before its first use (zero, or process-shared), report use-after-destroy (never initialised) and
 * return 1.  Either way c counts as seen from now on.  Records of condition variables are kept until
 * their destroy, so a used one is never taken for junk. */
int life_cond_first_sight(struct thread_rec *t, const void *c, const char *call, uintptr_t pc);

/* Before pthread_cond_destroy: reports cond-misuse when threads wait on c.  Returns their number. */
int life_cond_before_destroy(struct thread_rec *t, const void *c, uintptr_t pc);

/* ---------------------------------------------------------------- thread exit */

/* The thread is ending (its exit hook): report the non-robust locks it still holds. */
void life_thread_exit(struct thread_rec *t);
/* The process ends (exit, or main returned) on thread t: report the locks t holds whose memory was
 * freed or overwritten while locked (destroy-locked).  Holding a lock at exit is no bug by itself. */
void life_process_exit(struct thread_rec *t);

void life_lock_for_fork(void);
void life_unlock_after_fork(void);
void life_after_fork_child(void);

#endif
