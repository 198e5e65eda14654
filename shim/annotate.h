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

void annotate_lock_for_fork(void);
void annotate_unlock_after_fork(void);
void annotate_after_fork_child(void);

#endif
