/* sigdefer: the program's handlers of asynchronous signals never run inside coffman's internal lock
 * sections (ilock.h); a signal that lands in one runs its handler when the thread leaves it.
 *
 * Why: a handler that runs on top of a section may never return there -- it parks its thread until
 * another thread lets it go (a stop-the-world collector: the Boehm GC, Mono, HotSpot), or it jumps out
 * with siglongjmp (a timeout) -- and the section's lock is then held for ever: the next thread to need
 * it hangs, a hang the program never has natively.  The program's handler is kept here and a
 * trampoline of coffman's stands in for it in the kernel; the trampoline runs the handler at once
 * outside sections, and inside one it records the signal (its siginfo) for the thread to run when its
 * outermost section ends, with the handler's own mask and a fresh context (getcontext), as
 * ThreadSanitizer does.  Nothing is added to a section: one thread-local test when the outermost
 * ends.  Signals holding (ilock.h) is the fallback for the handlers this cannot stand in for.
 *
 * Not stood in for: the faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS), which recur at once
 * if not handled, and SIGABRT; one-shot handlers (SA_RESETHAND); handlers installed past the interposed
 * calls (a raw system call).  The program always sees its own handler: a query through sigaction,
 * signal or glibc's other installers gives it back, never the trampoline.  A handler run late runs on
 * the thread's stack (not an alternate one) and a context it changes is not resumed. */
#ifndef COFFMAN_SIGDEFER_H
#define COFFMAN_SIGDEFER_H

#include <signal.h>
#include <stdint.h>

/* glibc's sigaction, for coffman's own handlers and queries (the program's calls come to the wrapper
 * in wrap_signal.c). */
int sigdefer_real_action(int sig, const struct sigaction *act, struct sigaction *old);

/* act's handler if it is the program's own (not a default, an ignore, SIG_ERR or coffman's), else 0. */
uintptr_t sigdefer_program_handler(const struct sigaction *act);
/* Whether the trampoline stands for a handler of the program's for sig now (one load). */
int sigdefer_stands_for(int sig);
/* Whether sigdefer_install stands in for act's handler. */
int sigdefer_takes(int sig, const struct sigaction *act);

/* The program's sigaction: installs act (the trampoline in place of its handler where it takes it),
 * old as the program sees it. */
int sigdefer_install(int sig, const struct sigaction *act, struct sigaction *old);

/* The program's signal() -- or sigset, bsd_signal, sysv_signal, ssignal -- through next (glibc's,
 * whose flags, siginterrupt choice and SIG_HOLD it keeps): the trampoline then takes the place of what
 * it installed.  Returns the previous handler as the program sees it. */
typedef sighandler_t (*sigdefer_signal_fn)(int, sighandler_t);
sighandler_t sigdefer_signal(int sig, sighandler_t handler, sigdefer_signal_fn next);

/* Whether the caller runs inside one of the program's handlers that the trampoline called. */
int sigdefer_in_handler(void);

/* Signals this thread took inside a section and has not run yet (ilock_release tests it). */
extern __thread int sigdefer_pending __attribute__((tls_model("initial-exec")));
/* Run them: the outermost section has just ended. */
void sigdefer_run_pending(void);

/* Stretches outside internal locks where a handler must not run either: a stack capture, whose walk
 * takes the deps library's own locks (a jump out of it left one held: every later capture in the
 * process waited for it, and this thread's found the library busy).  Nested; handlers that landed
 * inside run when the outermost stretch and section are over. */
extern __thread int sigdefer_inside __attribute__((tls_model("initial-exec")));
static inline void sigdefer_enter(void)
{
	sigdefer_inside++;
}
void sigdefer_leave(void);

/* The program jumps (longjmp, siglongjmp) to env: if that leaves a handler run over one of coffman's
 * wrappers for a frame above the wrapper, the wrapper is over (its re-entry guard is lowered, its
 * published wait ended).  A handler may leave with a jump where it interrupted an async-signal-safe
 * call; where it interrupted a pthread call, the jump is what POSIX leaves undefined, but natively
 * the program goes on, and so must the checking of its thread. */
void sigdefer_before_jump(const void *env);

/* A fork child: no signal of the parent's is pending in it, and no other thread holds the lock. */
void sigdefer_after_fork_child(void);

#endif
