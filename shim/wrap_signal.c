/* The program's sigaction, signal (and glibc's other installers), pthread_kill and longjmp family.
 * Its handlers of asynchronous signals are run outside coffman's internal lock sections (sigdefer.h);
 * under COFFMAN_GRAPH_DIR the fatal signals' default disposition is stood in for by the graph file's
 * handler (graph_file.h); a signal one of its threads sends another, to a handler nothing here stands
 * in for, turns signal holding on (ilock.h); a jump out of a handler may end a wrapper for good. */
/* The longjmp family below must keep its names: under _FORTIFY_SOURCE <setjmp.h> renames longjmp and
 * siglongjmp to __longjmp_chk. */
#undef _FORTIFY_SOURCE
#include "graph_file.h"
#include "ilock.h"
#include "sigdefer.h"
#include "wrap.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef sighandler_t (*signal_fn)(int, sighandler_t);
typedef int (*pthread_kill_fn)(pthread_t, int);
typedef void (*jump_fn)(struct __jmp_buf_tag *, int);
static signal_fn next_signal;
static pthread_kill_fn next_pthread_kill;
/* longjmp, _longjmp, siglongjmp (one function in glibc, three names), __longjmp_chk (_FORTIFY_SOURCE) */
enum { J_LONGJMP, J_UNDERSCORE, J_SIG, J_CHK, J_NAMES };
static const char *const jump_names[J_NAMES] = { "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk" };
static jump_fn next_jump[J_NAMES];
/* sigset, bsd_signal, sysv_signal, __sysv_signal, ssignal (below) */
enum { S_SIGSET, S_BSD, S_SYSV, S_SYSV_INTERNAL, S_SSIGNAL, S_NAMES };
static const char *const signal_names[S_NAMES] = { "sigset", "bsd_signal", "sysv_signal", "__sysv_signal",
						    "ssignal" };
static signal_fn next_signal_like[S_NAMES];

__attribute__((constructor(102))) static void resolve_signal_calls(void)
{
	__atomic_store_n(&next_signal, (signal_fn)dlsym(RTLD_NEXT, "signal"), __ATOMIC_RELAXED);
	__atomic_store_n(&next_pthread_kill, (pthread_kill_fn)dlsym(RTLD_NEXT, "pthread_kill"), __ATOMIC_RELAXED);
	for (int i = 0; i < J_NAMES; i++)
		__atomic_store_n(&next_jump[i], (jump_fn)dlsym(RTLD_NEXT, jump_names[i]), __ATOMIC_RELAXED);
	for (int i = 0; i < S_NAMES; i++)
		__atomic_store_n(&next_signal_like[i], (signal_fn)dlsym(RTLD_NEXT, signal_names[i]), __ATOMIC_RELAXED);
}

/* The program installs act for sig: a handler of its own that nothing stands in for (a one-shot
 * handler, a fault's) may turn signal holding on (ilock.h). */
static void note_handler(int sig, const struct sigaction *act)
{
	if (sigdefer_program_handler(act) && !sigdefer_takes(sig, act))
		ilock_note_handler(sig);
}

/* The graph file's handler stands in for the default action, so the program must see the default
 * there: Python installs its KeyboardInterrupt handler only where SIGINT's disposition is SIG_DFL
 * (under --graph-dir every Python program lost it: Ctrl-C killed the interpreter outright,
 * signal.getsignal returned None), and code that saves a disposition and restores it later would
 * restore that handler as a foreign one.  A query reads it as SIG_DFL; setting SIG_DFL where it
 * stands (or stood, and the program's own handler is given back) keeps or puts it back, which acts as
 * the default. */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	if (act)
		note_handler(sig, act);
	if (!graph_file_signal_takes(sig))
		return sigdefer_install(sig, act, oldact);
	struct sigaction cur, ours;
	int rc;
	if (act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL) {
		graph_file_signal_action(&ours);
		rc = sigdefer_install(sig, &ours, &cur);
	} else {
		rc = sigdefer_install(sig, act, &cur);
	}
	if (rc == 0 && oldact) {
		*oldact = cur;
		if (graph_file_signal_is_own(&cur)) {
			memset(oldact, 0, sizeof *oldact);
			oldact->sa_handler = SIG_DFL;
			sigemptyset(&oldact->sa_mask);
		}
	}
	return rc;
}

/* glibc's signal (BSD semantics) calls its own sigaction internally, past the interposition: glibc's
 * own call, after which the trampoline takes the place of the handler it installed; for the fatal
 * signals under graph files, the same call through the one above (without siginterrupt's per-signal
 * choice, which only glibc's own signal knows). */
EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	signal_fn next = __atomic_load_n(&next_signal, __ATOMIC_RELAXED);
	if (handler != SIG_ERR) {
		struct sigaction note = { .sa_handler = handler };
		note_handler(sig, &note);
	}
	if (next && !graph_file_signal_takes(sig))
		return sigdefer_signal(sig, handler, next);
	struct sigaction act, old;
	if (handler == SIG_ERR || sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof act);
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	act.sa_flags = SA_RESTART;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* glibc's other ways to install a handler (System V's and X/Open's), each calling glibc's own
 * sigaction internally, past the interposition: through glibc's own call, then the trampoline takes
 * the place of what it installed, and the handler it gives back is the program's, never the
 * trampoline (which a program that saved it with sigset and restored it after a sigaction of its own
 * in between would have put back in the place of that one's handler).  Plain signal() is
 * __sysv_signal in a program built with strict -std=c99. */
static sighandler_t signal_like(int which, int sig, sighandler_t handler)
{
	signal_fn next = __atomic_load_n(&next_signal_like[which], __ATOMIC_RELAXED);
	if (!next)              /* before the constructor */
		next = (signal_fn)dlsym(RTLD_NEXT, signal_names[which]);
	if (!next) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	if (handler != SIG_ERR && handler != SIG_HOLD) {
		struct sigaction note = { .sa_handler = handler };
		if (which == S_SYSV || which == S_SYSV_INTERNAL)
			note.sa_flags = SA_RESETHAND;   /* one-shot: nothing stands in for it */
		note_handler(sig, &note);
	}
	return sigdefer_signal(sig, handler, next);
}

#define SIGNAL_LIKE(name, which)                                                                         \
	EXPORT sighandler_t name(int sig, sighandler_t handler)                                          \
	{                                                                                                \
		return signal_like(which, sig, handler);                                                 \
	}
SIGNAL_LIKE(sigset, S_SIGSET)
SIGNAL_LIKE(bsd_signal, S_BSD)
SIGNAL_LIKE(sysv_signal, S_SYSV)
SIGNAL_LIKE(__sysv_signal, S_SYSV_INTERNAL)
SIGNAL_LIKE(ssignal, S_SSIGNAL)

/* A signal the program sends one of its own threads, to a handler of its own that nothing stands in
 * for (installed with a raw system call, or one-shot): the way stop-the-world runtimes park their
 * threads (the Boehm GC, Mono, HotSpot's SIGUSR2 suspend, D's SIGUSR1, CoreCLR's activation signal).
 * From the first one, a thread holds signals off inside the checker's internal locks (ilock.h)
 * whatever the signal.  One sigaction query per call until then; none after. */
EXPORT int pthread_kill(pthread_t thread, int sig)
{
	/* The trampoline standing for sig's handler needs no holding (nor a query each time: Mono
	 * parks its threads with thousands of these). */
	if (sig > 0 && !atomic_load_explicit(&ilock_hold_signals, memory_order_relaxed) && !sigdefer_stands_for(sig)) {
		struct sigaction cur;
		if (sigdefer_real_action(sig, NULL, &cur) == 0 && sigdefer_program_handler(&cur))
			ilock_note_directed_signal();
	}
	if (atomic_load_explicit(&ilock_hold_signals, memory_order_relaxed))
		ilock_drain_open_sections();
	pthread_kill_fn next = __atomic_load_n(&next_pthread_kill, __ATOMIC_RELAXED);
	if (!next) {            /* before the constructor: a library's constructor sending a signal */
		next = (pthread_kill_fn)dlsym(RTLD_NEXT, "pthread_kill");
		if (!next)
			return ENOSYS;
	}
	return next(thread, sig);
}

/* A jump out of a signal handler may leave one of coffman's wrappers for good (sigdefer.h). */
static __attribute__((noreturn)) void jump(int which, struct __jmp_buf_tag *env, int val)
{
	sigdefer_before_jump(env);
	jump_fn next = __atomic_load_n(&next_jump[which], __ATOMIC_RELAXED);
	if (!next)              /* before the constructor */
		next = (jump_fn)dlsym(RTLD_NEXT, jump_names[which]);
	if (!next)
		abort();        /* no jump to make: glibc without it */
	next(env, val);
	__builtin_unreachable();
}

EXPORT void longjmp(struct __jmp_buf_tag env[1], int val)
{
	jump(J_LONGJMP, env, val);
}

EXPORT void _longjmp(struct __jmp_buf_tag env[1], int val)
{
	jump(J_UNDERSCORE, env, val);
}

EXPORT void siglongjmp(struct __jmp_buf_tag env[1], int val)
{
	jump(J_SIG, env, val);
}

void __longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
EXPORT void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
	jump(J_CHK, env, val);
}
