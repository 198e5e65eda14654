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

#include "threads.h"

/* What re-acquiring a lock the thread already holds means for this lock. */
enum relock_policy {
	RELOCK_FATAL = 0,       /* waits on itself forever: report double-lock, end the process */
	RELOCK_EDEADLK,         /* the implementation refuses (error-checking): report, return EDEADLK */
	RELOCK_NEST,            /* recursive hold: count it */
};

struct acquire {
	const void *lock;
	uintptr_t pc;           /* return address in the program */
	uint8_t kind;           /* enum lock_kind */
	uint8_t shared;         /* read hold of an rwlock */
	uint8_t relock;         /* enum relock_policy */
	const char *relock_why; /* explanation printed with a double-lock report, optional */
};

enum ev_verdict { EV_PROCEED = 0, EV_REFUSE };

enum ev_verdict ev_before_acquire(struct thread_rec *t, const struct acquire *a, int blocking);
void ev_after_acquire(struct thread_rec *t, const struct acquire *a, int trylock);

/* Pop lock from the held stack: 0 if this thread held it, -1 if not (then call ev_release_unheld). */
int ev_release(struct thread_rec *t, const void *lock);
/* An unlock of a lock this thread does not hold.  owner_tid is what the lock itself says about its
 * owner: >0 that thread, 0 not locked, -1 unknown.  Reports bad-unlock unless it is explicable. */
void ev_release_unheld(struct thread_rec *t, const void *lock, int kind, pid_t owner_tid, uintptr_t pc);

void ev_lock_created(struct thread_rec *t, const void *lock, int kind, uintptr_t pc);
/* Destroy of a lock that is still locked: report destroy-locked (the destroy itself may still fail). */
void ev_destroy_locked(struct thread_rec *t, const void *lock, int kind);
/* The lock is gone (destroy succeeded): forget its hold, node, edges and site. */
void ev_lock_destroyed(struct thread_rec *t, const void *lock);

/* Index of lock in t's held stack, -1 if absent. */
static inline int held_find(const struct thread_rec *t, const void *lock)
{
	for (int i = t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock)
			return i;
	return -1;
}

/* Add a thread and its identity to a report. */
struct report;
int report_add_thread_rec(struct report *r, const struct thread_rec *t);

#endif
