/* ilock: coffman's own lock, built on the futex system call.
 *
 * Why not pthread_mutex_t: the shim interposes pthread_mutex_*; its own synchronisation must never go
 * through the wrappers it installs (re-entry, recursion into the checker, reports about ourselves), and
 * must work before the real functions are resolved.  Slow paths only (graph insert, reports, the thread
 * registry); the lock/unlock hot path never takes one.
 *
 * After fork() the child has one thread; ilock_reset() puts a lock the parent may have held back to free.
 */
#ifndef COFFMAN_ILOCK_H
#define COFFMAN_ILOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct ilock {
	atomic_int state;       /* 0 free, 1 held, 2 held with waiters */
};

#define ILOCK_INIT { 0 }

void ilock_acquire(struct ilock *l);
void ilock_release(struct ilock *l);
/* In a fork child: free a lock the forking thread held across fork(). */
void ilock_reset(struct ilock *l);

/* Internal locks the calling thread holds (or is waiting for).  Nonzero means a signal handler that
 * interrupted this thread must not enter the checker's bookkeeping: its locks would never come free. */
extern __thread int ilock_depth __attribute__((tls_model("initial-exec")));

/* Set once the program has installed a handler of its own for a signal collectors park threads with
 * (ilock_note_handler: SIGPWR, SIGXCPU, the real-time signals), or has sent one of its threads a
 * signal it handles (ilock_note_directed_signal: HotSpot's SIGUSR2 suspend, D's SIGUSR1).
 * From then on a thread holds off those signals while it holds an internal lock: a handler that parks
 * its thread until another thread lets it go -- a stop-the-world collector's (the Boehm GC's SIGPWR, in
 * Guile and others) -- must not park it inside the checker's bookkeeping, or the thread that stopped the
 * world waits for the parked thread's internal lock at its next lock event, for ever.  Programs without
 * such a handler pay one predictable branch per internal lock section; with one, two system calls.
 * A handler installed past the interposed sigaction and signal (a raw system call) is not seen. */
extern atomic_int ilock_hold_signals;
/* The sigaction and signal wrappers: the program installs a handler of its own for sig. */
void ilock_note_handler(int sig);
/* The program sent one of its threads a signal it handles (pthread_kill): how every stop-the-world
 * runtime parks its threads, whatever the signal, so from now on internal locks hold signals off. */
void ilock_note_directed_signal(void);
/* Before a parking signal is sent: wait (briefly, bounded) until no thread is inside an internal lock
 * section that began before the holding did. */
void ilock_drain_open_sections(void);
/* In a fork child, after every internal lock's reset: only this thread's open section counts. */
void ilock_after_fork_child(void);

#endif
