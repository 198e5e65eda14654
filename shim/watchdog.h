/* watchdog: COFFMAN_WATCHDOG=SECS.  A background thread, started only when the variable is set and
 * the program creates its second thread, reports `hang` for any thread blocked longer than SECS in a
 * lock, a condition wait or a join.  It is invisible to the program's locks: created with the real
 * pthread_create, never registered, not counted. */
#ifndef COFFMAN_WATCHDOG_H
#define COFFMAN_WATCHDOG_H

void watchdog_start(void);
void watchdog_ensure(void);             /* from the thread creation wrappers: start it if due */
void watchdog_check_self(void);         /* from a wait's slice, while no watchdog thread runs */
void watchdog_stop(void);
void watchdog_after_fork_child(void);
int watchdog_thread_count(void);        /* threads of ours the kernel lists in /proc/self/task */

#endif
