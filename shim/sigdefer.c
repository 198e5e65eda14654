/* The program's asynchronous signal handlers, run outside coffman's internal lock sections
 * (sigdefer.h). */
#include "sigdefer.h"
#include "ilock.h"
#include "raw_signals.h"
#include "stacks.h"
#include "threads.h"
#include "waits.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/* ---------------------------------------------------------------- glibc's sigaction */

/* The program's sigaction is interposed (wrap_signal.c), so coffman's own calls go to the next
 * definition, glibc's: resolved at load, __sigaction (glibc's exported alias) until then. */
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
extern int __sigaction(int, const struct sigaction *, struct sigaction *);
static sigaction_fn next_sigaction;
/* The process the table below is for.  A vfork child (posix_spawn, Python's subprocess) shares its
 * parent's memory but has actions of its own, and resets them before it execs: written here, that
 * reset emptied the parent's table while the parent's kernel kept the trampoline, whose signals then
 * reached nothing (CPython's test_signal: a SIGINT without KeyboardInterrupt, a child waiting for
 * ever).  Set before any other library's constructor (-z initfirst), again in a fork child. */
static pid_t owner_pid;

__attribute__((constructor(102))) static void resolve_sigaction(void)
{
	__atomic_store_n(&next_sigaction, (sigaction_fn)dlsym(RTLD_NEXT, "sigaction"), __ATOMIC_RELAXED);
	owner_pid = getpid();
}

static int table_is_ours(void)
{
	return owner_pid == 0 || getpid() == owner_pid;
}

int sigdefer_real_action(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_fn f = __atomic_load_n(&next_sigaction, __ATOMIC_RELAXED);
	return f ? f(sig, act, old) : __sigaction(sig, act, old);
}

/* ---------------------------------------------------------------- the program's handlers */

/* What the program installed where the trampoline stands.  handler 0: the trampoline stands for
 * nothing (the program has since put a default, an ignore or a handler of its own in place).  The
 * mask is read only for a late run; a concurrent change can tear it, as the program's own race. */
struct program_action {
	atomic_uintptr_t handler;
	atomic_int flags;
	sigset_t mask;
};

static struct program_action actions[NSIG];
/* Orders installs (a table entry and the kernel's action change together); queries read without it. */
static struct ilock install_lock = ILOCK_INIT;

static void trampoline(int sig, siginfo_t *info, void *uc);

static uintptr_t handler_of(const struct sigaction *act)
{
	return (act->sa_flags & SA_SIGINFO) ? (uintptr_t)act->sa_sigaction : (uintptr_t)act->sa_handler;
}

static int is_trampoline(const struct sigaction *act)
{
	return handler_of(act) == (uintptr_t)trampoline;
}

int sigdefer_stands_for(int sig)
{
	return sig > 0 && sig < NSIG && atomic_load_explicit(&actions[sig].handler, memory_order_relaxed) != 0;
}

uintptr_t sigdefer_program_handler(const struct sigaction *act)
{
	uintptr_t h = handler_of(act);
	if (h == (uintptr_t)SIG_DFL || h == (uintptr_t)SIG_IGN || h == (uintptr_t)SIG_ERR ||
	    h == (uintptr_t)trampoline || stacks_pc_is_own(h))
		return 0;
	return h;
}

/* A fault recurs at once if its handler does not run (and a fault inside coffman is coffman's end
 * anyway); abort's signal is raised by abort itself. */
static int deferrable(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS: case SIGABRT:
	case SIGKILL: case SIGSTOP:
		return 0;
	default:
		return sig > 0 && sig < NSIG;
	}
}

int sigdefer_takes(int sig, const struct sigaction *act)
{
	return act && deferrable(sig) && !(act->sa_flags & SA_RESETHAND) && sigdefer_program_handler(act);
}

static void entry_set(int sig, const struct sigaction *act)
{
	actions[sig].mask = act->sa_mask;
	atomic_store(&actions[sig].flags, act->sa_flags);
	atomic_store(&actions[sig].handler, handler_of(act));
}

static void entry_clear(int sig)
{
	atomic_store(&actions[sig].handler, 0);
}

/* The kernel's action, as the program installed it: the handler the trampoline stands for, with the
 * program's SA_SIGINFO choice (the kernel's other flags are the program's, siginterrupt's included). */
static void program_view(struct sigaction *act, uintptr_t handler, int flags)
{
	if (!is_trampoline(act) || !handler)
		return;
	act->sa_flags = (act->sa_flags & ~SA_SIGINFO) | (flags & SA_SIGINFO);
	if (flags & SA_SIGINFO)
		act->sa_sigaction = (void (*)(int, siginfo_t *, void *))handler;
	else
		act->sa_handler = (sighandler_t)handler;
}

/* The same for a handler signal() and its kin give back. */
static sighandler_t program_sees(sighandler_t r, uintptr_t handler)
{
	if ((uintptr_t)r != (uintptr_t)trampoline)
		return r;
	return handler ? (sighandler_t)handler : SIG_DFL;
}

/* The trampoline in the place of act's handler, with act's flags and mask. */
static void standing_in(struct sigaction *k, const struct sigaction *act)
{
	*k = *act;
	k->sa_sigaction = trampoline;
	k->sa_flags = act->sa_flags | SA_SIGINFO;
}

int sigdefer_install(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig <= 0 || sig >= NSIG)
		return sigdefer_real_action(sig, act, old);     /* glibc's answer (EINVAL) */
	struct sigaction k, kold;
	if (!act || !table_is_ours()) {    /* a query, or a vfork child's change: the table only read */
		uintptr_t h = atomic_load(&actions[sig].handler);
		int flags = atomic_load(&actions[sig].flags);
		int rc = sigdefer_real_action(sig, act, old ? old : &kold);
		if (rc == 0 && old)
			program_view(old, h, flags);
		return rc;
	}
	/* Called from a handler that interrupted a section (one not stood in for): the lock may be this
	 * thread's own.  Installed as it is, and the trampoline then stands for nothing. */
	int locked = ilock_depth == 0;
	if (locked)
		ilock_acquire(&install_lock);
	uintptr_t prev_h = atomic_load(&actions[sig].handler);
	int prev_flags = atomic_load(&actions[sig].flags);
	sigset_t prev_mask = actions[sig].mask;
	int takes = locked && sigdefer_takes(sig, act);
	if (takes) {
		entry_set(sig, act);
		standing_in(&k, act);
	}
	int rc = sigdefer_real_action(sig, takes ? &k : act, &kold);
	if (rc == 0 && !takes && !is_trampoline(act)) {     /* (the trampoline put back stands as before) */
		entry_clear(sig);
	} else if (rc != 0 && takes) {
		actions[sig].mask = prev_mask;
		atomic_store(&actions[sig].flags, prev_flags);
		atomic_store(&actions[sig].handler, prev_h);
	}
	if (locked)
		ilock_release(&install_lock);
	if (rc == 0 && old) {
		*old = kold;
		program_view(old, prev_h, prev_flags);
	}
	return rc;
}

sighandler_t sigdefer_signal(int sig, sighandler_t handler, sigdefer_signal_fn next)
{
	if (sig <= 0 || sig >= NSIG)
		return next(sig, handler);
	if (ilock_depth > 0 || !table_is_ours()) {
		uintptr_t h = atomic_load(&actions[sig].handler);
		return program_sees(next(sig, handler), h);
	}
	ilock_acquire(&install_lock);
	uintptr_t prev_h = atomic_load(&actions[sig].handler);
	sighandler_t r = next(sig, handler);
	if (r != SIG_ERR) {
		r = program_sees(r, prev_h);
		/* What it installed: the trampoline in its place, or nothing to stand for.  The trampoline
		 * itself still there (sigset's SIG_HOLD changes only the mask) stands as before. */
		struct sigaction now, k;
		if (sigdefer_real_action(sig, NULL, &now) == 0 && !is_trampoline(&now)) {
			if (sigdefer_takes(sig, &now)) {
				entry_set(sig, &now);
				standing_in(&k, &now);
				if (sigdefer_real_action(sig, &k, NULL) != 0)
					entry_clear(sig);
			} else {
				entry_clear(sig);
			}
		}
	}
	ilock_release(&install_lock);
	return r;
}

/* ---------------------------------------------------------------- running them */

typedef void (*plain_handler)(int);
typedef void (*info_handler)(int, siginfo_t *, void *);

/* The frame a program's handler runs above, 0 when none runs: a frame below it (a lower address, on the
 * same stack) is inside the handler.  A jump out of the handler clears it (jump_out_of_handler). */
static __thread uintptr_t handler_frame __attribute__((tls_model("initial-exec")));

static void call_handler(int sig, uintptr_t h, int flags, siginfo_t *info, void *uc)
{
	uintptr_t outer = handler_frame;
	handler_frame = (uintptr_t)__builtin_frame_address(0);
	if (flags & SA_SIGINFO)
		((info_handler)h)(sig, info, uc);
	else
		((plain_handler)h)(sig);
	handler_frame = outer;
}

int sigdefer_in_handler(void)
{
	uintptr_t f = handler_frame, here = (uintptr_t)__builtin_frame_address(0);
	/* Below it on the same stack: an alternate stack far from the thread's own is another stack. */
	return f != 0 && here < f && f - here < ((uintptr_t)64 << 20);
}

/* The trampoline stands for nothing now (the program changed the action while the signal was on its
 * way): the disposition in place decides, as it would have natively a moment later.  The signal is
 * blocked while the trampoline runs and comes back when it returns. */
static void raise_again(int sig)
{
	struct sigaction now;
	if (sigdefer_real_action(sig, NULL, &now) == 0 && is_trampoline(&now))
		return;                 /* still ours, for nothing: dropped rather than looping */
	syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
}

#define DEFER_MAX 4

struct deferred {
	int sig;
	siginfo_t info;
};

__thread int sigdefer_pending __attribute__((tls_model("initial-exec")));
__thread int sigdefer_inside __attribute__((tls_model("initial-exec")));
static __thread struct deferred deferred[DEFER_MAX] __attribute__((tls_model("initial-exec")));

/* Inside a section: keep the signal for the end of the outermost one.  0 if it cannot be kept (more
 * distinct signals at once than slots): it then runs here, as it did before.  A standard signal
 * already kept is not kept twice, as the kernel does not queue it twice. */
static int keep(int sig, const siginfo_t *info)
{
	int n = sigdefer_pending;
	if (sig < SIGRTMIN)
		for (int i = 0; i < n && i < DEFER_MAX; i++)
			if (deferred[i].sig == sig)
				return 1;
	/* One instruction claims the slot: another signal landing here claims the next one. */
	int slot = __atomic_fetch_add(&sigdefer_pending, 1, __ATOMIC_RELAXED);
	if (slot >= DEFER_MAX) {
		__atomic_fetch_sub(&sigdefer_pending, 1, __ATOMIC_RELAXED);
		return 0;
	}
	deferred[slot].info = *info;
	__atomic_store_n(&deferred[slot].sig, sig, __ATOMIC_RELEASE);
	return 1;
}

/* Where a handler run over one of coffman's wrappers (its re-entry guard raised) interrupted it: the
 * interrupted stack pointer, 0 when no handler runs over a wrapper.  A jump out of the handler to a
 * frame above it leaves the wrapper for good (sigdefer_before_jump). */
static __thread uintptr_t interrupted_sp __attribute__((tls_model("initial-exec")));

static void call_over_wrapper(int sig, uintptr_t h, int flags, siginfo_t *info, void *uc, uintptr_t sp)
{
	uintptr_t outer = interrupted_sp;
	interrupted_sp = sp;
	call_handler(sig, h, flags, info, uc);
	interrupted_sp = outer;
}

static uintptr_t context_sp(const void *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.sp;
#else
	(void)uc;
	return 0;
#endif
}

/* The handler sig runs now, and its flags; 0 when the trampoline stands for nothing any more (the
 * signal then raised again for the disposition in place). */
static uintptr_t handler_to_run(int sig, int *flags)
{
	uintptr_t h = atomic_load(&actions[sig].handler);
	*flags = atomic_load(&actions[sig].flags);
	if (!h)
		raise_again(sig);
	return h;
}

static void trampoline(int sig, siginfo_t *info, void *uc)
{
	if ((ilock_depth > 0 || sigdefer_inside > 0) && keep(sig, info))
		return;
	int flags;
	uintptr_t h = handler_to_run(sig, &flags);
	if (!h)
		return;
	if (tls_guard && uc)
		call_over_wrapper(sig, h, flags, info, uc, context_sp(uc));
	else
		call_handler(sig, h, flags, info, uc);
}

/* Run one kept signal as the kernel would have: the handler's mask and the signal itself (unless
 * SA_NODEFER) blocked on top of the thread's mask `before`, errno kept, the mask given back. */
static void run_late(const struct deferred *d, uint64_t before)
{
	int sig = d->sig;
	int flags;
	uintptr_t h = handler_to_run(sig, &flags);
	if (!h)
		return;
	uint64_t add;
	memcpy(&add, &actions[sig].mask, sizeof add);
	if (!(flags & SA_NODEFER))
		add |= 1ULL << (sig - 1);
	add &= RAW_SIGNALS_HELD;        /* never the faults, nor glibc's own signals */
	ucontext_t uc;
	memset(&uc, 0, sizeof uc);
	getcontext(&uc);
	memcpy(&uc.uc_sigmask, &before, sizeof before);   /* the mask the handler returns to */
	uint64_t during = before | add;
	siginfo_t info = d->info;
	int saved_errno = errno;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &during, NULL, sizeof during);
	if (tls_guard)
		call_over_wrapper(sig, h, flags, &info, &uc, (uintptr_t)__builtin_frame_address(0));
	else
		call_handler(sig, h, flags, &info, &uc);
	errno = saved_errno;
}

void sigdefer_leave(void)
{
	if (--sigdefer_inside == 0 && sigdefer_pending && ilock_depth == 0)
		sigdefer_run_pending();
}

void sigdefer_run_pending(void)
{
	while (sigdefer_pending > 0 && sigdefer_inside == 0) {
		/* Taken off the list with signals held, so that no trampoline adds to it meanwhile. */
		uint64_t before;
		if (raw_signals_hold(&before) != 0)
			return;         /* cannot hold them: left for the next section's end */
		int n = sigdefer_pending;
		if (n > DEFER_MAX)
			n = DEFER_MAX;
		if (n <= 0) {
			raw_signals_back(before);
			return;
		}
		struct deferred d = deferred[0];
		memmove(&deferred[0], &deferred[1], (size_t)(n - 1) * sizeof deferred[0]);
		deferred[n - 1].sig = 0;        /* a slot claimed later is not read as this signal */
		sigdefer_pending = n - 1;
		run_late(&d, before);
		raw_signals_back(before);
	}
}

/* ---------------------------------------------------------------- jumps out of handlers */

/* The stack pointer a jmp_buf returns to.  glibc keeps it mangled with the thread's pointer guard
 * (PTR_MANGLE: xor with the guard at %fs:0x30, then rotate left by 17); 0 where that is not known. */
static uintptr_t jump_target_sp(const void *env)
{
#if defined(__x86_64__) && defined(__GLIBC__)
	uintptr_t v = (uintptr_t)((const long *)env)[6];        /* JB_RSP */
	uintptr_t guard;
	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	v = (v >> 17) | (v << (64 - 17));
	return v ^ guard;
#else
	(void)env;
	return 0;
#endif
}

/* Whether sp is on the alternate signal stack the thread is running on now. */
static int on_current_altstack(uintptr_t sp)
{
	stack_t ss;
	if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
		return 0;
	return sp >= (uintptr_t)ss.ss_sp && sp < (uintptr_t)ss.ss_sp + ss.ss_size;
}

/* A jump out of a handler the trampoline called (above its frame, on the same stack) ends it: its frame
 * is no longer the thread's (sigdefer_in_handler).  Nested handlers keep only the innermost frame, so a
 * jump out of the inner one into the outer one ends both here. */
static void jump_out_of_handler(const void *env)
{
	uintptr_t f = handler_frame;
	if (!f)
		return;
	uintptr_t target = jump_target_sp(env);
	if (target > f && !on_current_altstack(target))
		handler_frame = 0;
}

void sigdefer_before_jump(const void *env)
{
	jump_out_of_handler(env);
	uintptr_t sp = interrupted_sp;
	if (!sp || !tls_guard)
		return;
	uintptr_t target = jump_target_sp(env);
	if (!target || target <= sp || on_current_altstack(target))
		return;         /* a jump within the handler */
	/* Out of the handler, above the wrapper it interrupted: that wrapper never returns.  Its guard
	 * would keep the checker out of this thread for good, and a wait it published would stand (the
	 * deadlock search and the watchdog would take the thread for blocked there). */
	interrupted_sp = 0;
	tls_guard = 0;
	struct thread_rec *t = tls_self;
	if (t) {
		atomic_store(&t->in_slice, 0);  /* nor is it between two slices of that wait any more */
		if (atomic_load(&t->wait_kind) != W_NONE)
			wait_end(t);
	}
}

void sigdefer_after_fork_child(void)
{
	owner_pid = getpid();
	sigdefer_pending = 0;
	sigdefer_inside = 0;
	ilock_reset(&install_lock);
}
