/* annotate: locks the program describes itself through <coffman/annotate.h> (include/coffman/).
 *
 * Each annotated lock gets a lock kind of its own name: LK_USER + n is the n-th distinct name the
 * program gave (LK_USER itself: "annotated lock", for a lock never created or a name beyond the
 * table), so everything that prints a lock's kind prints the program's word for it.  The entry points
 * themselves are exported (annotate.c) and reduce to the events of events.h and waits.h.
 */
#ifndef COFFMAN_ANNOTATE_SHIM_H
#define COFFMAN_ANNOTATE_SHIM_H

/* The name of an annotated lock kind (kind >= LK_USER). */
const char *annotate_kind_name(int kind);

/* The wait t has published is on an annotated lock: no kernel state tells whether it sleeps (a
 * spinning waiter is runnable), the records alone do. */
struct thread_rec;
int annotate_wait_is_annotated(const struct thread_rec *t);

/* Lock families coffman interposes that have no pthread lock underneath (GLib's GMutex, wrap_glib.c):
 * the events of an annotated lock, with the family's kind given rather than looked up, owner_of
 * reading the lock's own word (events.h struct acquire), and a release of a lock not seen taken left
 * unreported.  pc: the program's call site. */
#include <stdint.h>
#include <sys/types.h>
int annotate_family_kind(const char *name);
void annotate_family_created(const void *lock, int kind, uintptr_t pc);
void annotate_family_destroyed(const void *lock, int kind, int locked);
void annotate_family_acquiring(const void *lock, int kind, uintptr_t pc, pid_t (*owner_of)(const void *));
void annotate_family_acquired(const void *lock, int kind, int try, uintptr_t pc, pid_t (*owner_of)(const void *));
void annotate_family_releasing(const void *lock);
/* Around the family's own blocking lock call, once its fast try failed: the wait is published (deadlock
 * search, watchdog) and, with the contention profile, timed as wait_for_lock times a pthread lock's
 * (begin's result goes to end). */
uint64_t annotate_family_wait_begin(const void *lock, int kind, uintptr_t pc);
void annotate_family_wait_end(const void *lock, int kind, uintptr_t pc, uint64_t began);

void annotate_lock_for_fork(void);
void annotate_unlock_after_fork(void);
void annotate_after_fork_child(void);

#endif
