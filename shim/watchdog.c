/* The watchdog thread.  Why a thread of its own: a hung program has, by definition, no thread of its
 * own that will run our code again.  Why invisible: it is created with the real pthread_create (no
 * registry record, no thread number), blocks every signal it may (ours_to_block; process-directed
 * signals still reach the program's threads), and never holds a program lock.  It wakes a few times
 * per limit, and only a thread already stuck past the limit, or the holder of the lock a stuck thread
 * waits for, is ever signalled — with a real-time signal the program has no handler for, to unwind
 * that thread's current stack. */
#include "watchdog.h"
#include "deps.h"
#include "config.h"
#include "deadlock.h"
#include "order.h"
#include "profile.h"
#include "real.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"
#include "events.h"
#include "memprobe.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

static atomic_int running;
static atomic_int start_claimed;        /* one thread starts it, once per process image or fork */
static atomic_int stop_requested;
static int sample_signal;

static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Every signal but those the kernel raises for what the thread itself does: a seccomp filter's
 * SIGSYS (SECCOMP_RET_TRAP), a fault's SIGSEGV, SIGBUS, SIGILL, SIGFPE, a SIGTRAP.  The kernel
 * delivers such a signal even when it is blocked, but first resets its action to the default, for
 * the whole process: Chromium's renderers trap newfstatat and emulate it in their SIGSYS handler, and
 * one fstat made by the watchdog thread (writing or symbolizing a report) took that handler away.
 * The renderer's next trapped call killed it (SIGSYS), or, as pid 1 of its namespace under a debugger,
 * returned the system call's number: sched_getaffinity's 204 sent glibc's memset past the end of V8's
 * 32-byte CPU set (SIGSEGV). */
static void ours_to_block(sigset_t *set)
{
	static const int synchronous[] = { SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	sigfillset(set);
	for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
		sigdelset(set, synchronous[i]);
}

/* Runs in the sampled thread: no locks, no allocation, only its own record. */
static void on_sample_signal(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	struct thread_rec *t = tls_self;
	if (!t || atomic_load(&t->nsample) != -1)
		return;
	int saved_errno = errno;
	tls_guard++;            /* libunwind may lock: never as the program */
	int n = stack_capture_raw(t->sample, (int)(sizeof t->sample / sizeof t->sample[0]));
	tls_guard--;
	errno = saved_errno;
	atomic_store(&t->nsample, n);
}

/* A real-time signal nobody in the program handles; 0 if none is free. */
static int pick_signal(void)
{
	for (int sig = SIGRTMAX - 2; sig >= SIGRTMIN + 2; sig--) {
		struct sigaction old;
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO))
			return sig;
	}
	return 0;
}

static int install_handler(void)
{
	sample_signal = pick_signal();
	if (!sample_signal)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sample_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	ours_to_block(&sa.sa_mask);
	return sigaction(sample_signal, &sa, NULL);
}

/* Whether thread tid blocks sig.  A sample signal the thread blocks is never sent: it would stay
 * pending, and a thread that reads its own signals (sigwaitinfo, a signalfd: event loops block them
 * all) would get coffman's (tests/api_watchdog_sigblock.sh). */
static int thread_blocks(pid_t tid, int sig)
{
	char buf[4096];
	unsigned long long mask;
	const char *line = thread_proc_read(tid, "status", buf, sizeof buf) > 0 ? strstr(buf, "\nSigBlk:") : NULL;
	return line && sscanf(line + 8, "%llx", &mask) == 1 && sig >= 1 && sig <= 64 && (mask >> (sig - 1) & 1);
}

/* The system calls a signal handler cuts short whatever SA_RESTART says (signal(7)): interrupted for
 * its stack, a holder asleep in one would see it return early (EINTR, or a sleep() that returns at
 * once, a pause() or sigsuspend() that returns as if its signal had come). */
static const struct { long nr; const char *name; } cut_short[] = {
	{ SYS_nanosleep, "nanosleep" }, { SYS_clock_nanosleep, "clock_nanosleep" },
	{ SYS_rt_sigsuspend, "sigsuspend" }, { SYS_rt_sigtimedwait, "sigtimedwait" }, { SYS_ppoll, "ppoll" },
	{ SYS_pselect6, "pselect" }, { SYS_epoll_pwait, "epoll_pwait" }, { SYS_io_getevents, "io_getevents" },
	{ SYS_semtimedop, "semtimedop" }, { SYS_msgrcv, "msgrcv" }, { SYS_msgsnd, "msgsnd" },
	/* not on every architecture (aarch64 has only the calls above) */
#ifdef SYS_pause
	{ SYS_pause, "pause" },
#endif
#ifdef SYS_poll
	{ SYS_poll, "poll" },
#endif
#ifdef SYS_select
	{ SYS_select, "select" },
#endif
#ifdef SYS_epoll_wait
	{ SYS_epoll_wait, "epoll_wait" },
#endif
#ifdef SYS_epoll_pwait2
	{ SYS_epoll_pwait2, "epoll_pwait2" },
#endif
#ifdef SYS_semop
	{ SYS_semop, "semop" },
#endif
};

/* What stands in the way of asking a thread for its stack with the signal. */
struct look {
	int blocked;            /* it blocks the sample signal */
	int in_call;            /* it is in a system call, made with this user stack pointer and pc: */
	long nr;
	uintptr_t sp, pc;
	const char *cut;        /* ... one the signal would cut short (its name), or NULL */
};

/* From /proc/self/task/TID/syscall: "NR ARG1..ARG6 SP PC" while in a call. */
static int in_call(pid_t tid, long *nr, uintptr_t *sp, uintptr_t *pc)
{
	char buf[256];
	unsigned long args[6], at_sp, at;
	if (thread_proc_read(tid, "syscall", buf, sizeof buf) <= 0 ||
	    sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx %lx %lx", nr, &args[0], &args[1], &args[2], &args[3],
		   &args[4], &args[5], &at_sp, &at) != 9 || *nr < 0)
		return 0;
	*sp = (uintptr_t)at_sp;
	*pc = (uintptr_t)at;
	return 1;
}

static void look_at(const struct thread_rec *t, struct look *l)
{
	memset(l, 0, sizeof *l);
	l->blocked = sample_signal && thread_blocks(t->tid, sample_signal);
	l->in_call = in_call(t->tid, &l->nr, &l->sp, &l->pc);
	for (size_t i = 0; l->in_call && i < sizeof cut_short / sizeof cut_short[0]; i++)
		if (cut_short[i].nr == l->nr)
			l->cut = cut_short[i].name;
}

/* The signal may not be sent, but the thread sits in a system call: its stack is walked from outside. */
static int walk_instead(const struct look *l)
{
	return l->in_call && (l->cut || l->blocked || !sample_signal);
}

#if defined(__x86_64__)
/* r is just after a call instruction: call rel32 (E8), or an indirect call (FF /2, with or without a
 * REX prefix, 2 to 7 bytes). */
static int after_a_call(uintptr_t r)
{
	unsigned char b[7];
	if (r < 4096 || !mem_readable((const void *)(r - 7), 7))
		return 0;
	memcpy(b, (const void *)(r - 7), sizeof b);
	if (b[2] == 0xe8)
		return 1;
	for (int len = 2; len <= 7; len++)
		if (b[7 - len] == 0xff && ((b[8 - len] >> 3) & 7) == 2)
			return 1;
	return 0;
}

/* A guess at rbp for a thread in a system call, which /proc does not give: code built with frame
 * pointers (without optimisation) finds its frame through rbp, and libc's system call wrappers leave
 * rbp alone (or save it where their unwind rules say, and the walk takes it from there), so it still
 * holds the frame base of the nearest such caller — a stack slot X holding its caller's frame base
 * (above X, or 0 at the outermost frame), with a return address at X + 8.  The first such slot above
 * sp, within 16 KB; 0 if none.  A wrong guess only matters to frames that use rbp. */
static uintptr_t guess_frame_base(uintptr_t sp)
{
	uintptr_t page = 0;
	for (uintptr_t x = (sp + 7) & ~(uintptr_t)7; x < sp + 16384; x += 8) {
		if ((x & ~(uintptr_t)4095) != page || ((x + 15) & ~(uintptr_t)4095) != page) {
			if (!mem_readable((const void *)x, 16))
				return 0;
			page = x & ~(uintptr_t)4095;
		}
		uintptr_t w[2];
		memcpy(w, (const void *)x, sizeof w);
		if ((w[0] == 0 || (w[0] > x && w[0] - x < ((uintptr_t)1 << 20))) && after_a_call(w[1]))
			return x;
	}
	return 0;
}
#endif

/* The stack of thread tid, in the system call of l, walked from outside it (no signal): the other
 * registers are unknown (rbp is guessed, above), so a frame that needs one may end the walk early.
 * A walk is kept only if the thread is in the same call at the same place before and after it (its
 * stack did not change under the walk); a thread that sleeps in short calls (a loop of 200 ms
 * sleeps) is tried again, 2 ms apart, up to ten times.  Else, and off x86-64, the pc of l alone. */
#define OUTSIDE_WALK_TRIES 10
#define OUTSIDE_WALK_PAUSE_NS 2000000   /* between tries: a thread just woken may wait for a CPU */

static uint32_t walk_from_outside(pid_t tid, const struct look *l)
{
#if defined(__x86_64__)
	_Static_assert(sizeof(ucontext_t) <= sizeof(struct unwind_context), "a ucontext_t fits a context");
	for (int i = 0; i < OUTSIDE_WALK_TRIES; i++) {
		long nr = -1, nr2 = -1;
		uintptr_t sp = 0, pc = 0, sp2 = 0, pc2 = 0;
		if (i > 0) {
			struct timespec pause = { 0, OUTSIDE_WALK_PAUSE_NS };
			nanosleep(&pause, NULL);
		}
		if (!in_call(tid, &nr, &sp, &pc))
			continue;
		struct unwind_context ctx;
		memset(&ctx, 0, sizeof ctx);
		ucontext_t *uc = (ucontext_t *)(void *)&ctx;
		uc->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
		uc->uc_mcontext.gregs[REG_RBP] = (greg_t)guess_frame_base(sp);
		uintptr_t pcs[STACK_MAX_FRAMES];
		int n = stack_capture_raw_from(&ctx, pcs, STACK_MAX_FRAMES);
		if (n > 0 && in_call(tid, &nr2, &sp2, &pc2) && nr2 == nr && sp2 == sp && pc2 == pc)
			return stack_intern(pcs, n);
	}
#else
	(void)tid;
#endif
	return stack_intern(&l->pc, 1);
}

/* Thread t's current stack (registry locked, so its record stays), l being look_at's answer: asked
 * for with the sample signal, or walked from outside while it sits in a system call the signal would
 * cut short, or blocks the signal; 0 if it did not answer, or blocks the signal outside any call. */
static uint32_t sample_stack_seen(struct thread_rec *t, const struct look *l)
{
	if (walk_instead(l))
		return walk_from_outside(t->tid, l);
	if (l->blocked || !sample_signal)
		return 0;
	struct sigaction now;
	if (sigaction(sample_signal, NULL, &now) != 0 || now.sa_sigaction != on_sample_signal)
		return 0;       /* the program took the signal over since: leave it alone */
	atomic_store(&t->nsample, -1);
	if (pthread_kill(t->self, sample_signal) != 0)
		return 0;
	for (int i = 0; i < 200 && atomic_load(&t->nsample) < 0; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	int n = atomic_load(&t->nsample);
	/* sample[0] is the kernel's signal-return trampoline, not the program. */
	return n > 1 ? stack_intern(t->sample + 1, n - 1) : 0;
}

static uint32_t sample_stack(struct thread_rec *t)
{
	struct look l;
	look_at(t, &l);
	return sample_stack_seen(t, &l);
}

/* ---- which waits are hangs ----
 *
 * A thread asleep in a condition, semaphore or barrier wait (or a join) that holds no lock, that
 * nobody joins and that nobody waits for is idle, not hung: a server's maintenance thread waiting for
 * work, a pool worker between jobs.  Only a wait that something else waits behind counts: a lock wait
 * (it waits behind the lock's holder), a wait that holds a lock (others will want it), a wait of a
 * thread another thread joins (counted from when the join began), a wait of the main thread (the end
 * of the process waits for it).  A join itself waits behind the joined thread, which answers for it.
 * --watchdog-idle (COFFMAN_WATCHDOG_IDLE=1) counts every wait, as before. */

enum hang_reason { HR_IDLE = 0, HR_ANY_WAIT, HR_LOCK_WAIT, HR_HOLDS, HR_MAIN, HR_JOINED };

struct joiner {
	int joined;                     /* number of the thread being joined */
	int by;                         /* the joiner */
	uint64_t since;                 /* when the join began */
};

#define JOINERS_MAX 256

/* Registry locked: the joins going on now. */
static int collect_joiners(struct joiner *out, int max)
{
	int n = 0;
	for (struct thread_rec *t = registry_first(); t && n < max; t = t->next) {
		if (atomic_load(&t->wait_kind) != W_JOIN)
			continue;
		int num = atomic_load(&t->join_num);
		if (!num) {
			struct thread_rec *target = registry_find_pthread((pthread_t)atomic_load(&t->wait_obj));
			num = target ? target->num : 0;
		}
		if (num) {
			out[n].joined = num;
			out[n].by = t->num;
			out[n].since = atomic_load(&t->wait_since_ns);
			n++;
		}
	}
	return n;
}

static enum hang_reason hang_reason(struct thread_rec *t, const struct joiner *joins, int njoins,
				    uint64_t *since, int *joined_by);

/* Registry locked: main thread t waits where another thread waits idle now, at the same call: an event
 * loop's wait for its next task, which the program's idle workers make too (Chromium's GPU process,
 * network service and renderers: their main thread and their pool's workers all wait in the same
 * base::ConditionVariable::Wait; the default action ended them).  A wait of main's own (for a result,
 * for a wake-up that was lost) still counts. */
static int waits_like_idle_workers(struct thread_rec *t, int kind, const struct joiner *joins, int njoins)
{
	if (kind != W_COND && kind != W_SEM)
		return 0;
	uintptr_t pc = atomic_load(&t->wait_pc);
	for (struct thread_rec *o = registry_first(); o; o = o->next) {
		uint64_t since;
		int joined_by;
		/* o is not the main thread: its reason never asks this again */
		if (o != t && o->num != 1 && atomic_load(&o->wait_kind) == kind && atomic_load(&o->wait_pc) == pc &&
		    hang_reason(o, joins, njoins, &since, &joined_by) == HR_IDLE)
			return 1;
	}
	return 0;
}

/* Whether the kernel has thread tid asleep in an event loop's wait for its next event: epoll, poll or
 * select ("/proc/self/task/TID/syscall" names the system call a blocked thread is in; "running", or
 * no /proc in a sandbox, is not). */
static int waits_for_events(pid_t tid)
{
	static const long event_waits[] = {
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
#ifdef SYS_poll
		SYS_poll,
#endif
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_epoll_pwait2
		SYS_epoll_pwait2,
#endif
		SYS_epoll_pwait, SYS_ppoll, SYS_pselect6,
	};
	long nr;
	uintptr_t sp, pc;
	if (!in_call(tid, &nr, &sp, &pc))
		return 0;
	for (size_t i = 0; i < sizeof event_waits / sizeof event_waits[0]; i++)
		if (nr == event_waits[i])
			return 1;
	return 0;
}

/* How many times the kernel has put thread tid to sleep at its own request (a wait, a blocking call):
 * "voluntary_ctxt_switches" of its status; 0 when it cannot be read. */
static uint64_t voluntary_switches(pid_t tid)
{
	char buf[2048];
	if (thread_proc_read(tid, "status", buf, sizeof buf) <= 0)
		return 0;
	static const char field[] = "\nvoluntary_ctxt_switches:";
	const char *at = strstr(buf, field);
	return at ? strtoull(at + sizeof field - 1, NULL, 10) : 0;
}

/* Registry locked: t waits for a lock whose holder is an event loop that keeps it while it waits for
 * events.  A server parks its worker threads so: redis-server's main thread holds each I/O thread's
 * mutex while it has no I/O to share out, and the I/O threads wait for it for as long as the server
 * is idle or lightly loaded (the default action ended every idle redis-server --io-threads N).  The
 * holder counts as such while it is seen asleep in an event loop's wait, epoll, poll or select, and,
 * once seen so during this wait, for as long as it keeps going back to sleep between two checks (its
 * voluntary context switches rise): under a light load redis's main thread serves its clients itself
 * and is caught in a read or a write as often as in epoll_wait.  A holder that runs without sleeping,
 * or stays blocked anywhere else (a read that never returns, a lock), leaves its waiters' time
 * counting.  Looked at from a quarter of the limit on, at every check. */
static int holder_parks(struct thread_rec *t, uint64_t now, double limit_ns)
{
	uint64_t since = atomic_load(&t->wait_since_ns);
	if (cfg.watchdog_idle || atomic_load(&t->wait_kind) != W_LOCK || !since || now <= since ||
	    (double)(now - since) < limit_ns / 4)
		return 0;
	struct thread_rec *holder =
		deadlock_holder_of(atomic_load(&t->wait_obj), atomic_load(&t->wait_lock_kind));
	if (!holder || holder == t || atomic_load(&holder->wait_kind) != W_NONE)
		return 0;
	if (waits_for_events(holder->tid)) {
		t->parked_holder = holder->tid;
		t->parked_switches = voluntary_switches(holder->tid);
		return 1;
	}
	if (t->parked_seen_ns <= since || t->parked_holder != holder->tid)
		return 0;
	uint64_t switches = voluntary_switches(holder->tid);
	if (switches <= t->parked_switches)
		return 0;
	t->parked_switches = switches;
	return 1;
}

/* Registry locked: why t's wait counts toward a hang (HR_IDLE: it does not), and since when. */
static enum hang_reason hang_reason(struct thread_rec *t, const struct joiner *joins, int njoins,
				    uint64_t *since, int *joined_by)
{
	int kind = atomic_load(&t->wait_kind);
	*since = atomic_load(&t->wait_since_ns);
	if (cfg.watchdog_idle)
		return HR_ANY_WAIT;
	if (kind == W_LOCK || kind == W_ONCE) {
		if (t->parked_seen_ns > *since)         /* it counts from when its holder last sat idle */
			*since = t->parked_seen_ns;
		return HR_LOCK_WAIT;
	}
	if (t->nheld > 0 || t->overflow > 0)
		return HR_HOLDS;
	if (kind == W_JOIN)
		return HR_IDLE;
	if (t->num == 1 && !waits_like_idle_workers(t, kind, joins, njoins))
		return HR_MAIN;
	for (int i = 0; i < njoins; i++) {
		if (joins[i].joined != t->num)
			continue;
		if (joins[i].since > *since)
			*since = joins[i].since;
		*joined_by = joins[i].by;
		return HR_JOINED;
	}
	return HR_IDLE;
}

static void reason_text(enum hang_reason why, const struct thread_rec *t, int joined_by, char *buf, size_t len)
{
	if (why == HR_HOLDS)
		snprintf(buf, len, "it counts: T%d holds a lock while it waits; ", t->num);
	else if (why == HR_MAIN)
		snprintf(buf, len, "it counts: T%d is the main thread, which the end of the process waits for; ", t->num);
	else if (why == HR_JOINED)
		snprintf(buf, len, "it counts: T%d joins T%d (timed from the start of the join); ", joined_by, t->num);
	else if (why == HR_ANY_WAIT)
		snprintf(buf, len, "every wait counts (COFFMAN_WATCHDOG_IDLE); ");
	else
		buf[0] = '\0';
}

/* Build the hang report for stuck thread t (registry locked).  since: when the wait began to count. */
static void build_hang(struct report *r, struct thread_rec *stuck, double now_s, enum hang_reason why,
		       int joined_by)
{
	report_init(r, RK_HANG);
	if (!atomic_load(&stuck->wait_stack))   /* a wait published without its stack (annotate.c) */
		atomic_store(&stuck->wait_stack, sample_stack(stuck));
	report_add_wait(r, stuck, now_s);
	const struct report_wait *sw = &r->waits[0];
	struct thread_rec *holder = NULL;
	if (atomic_load(&stuck->wait_kind) == W_LOCK)
		holder = deadlock_holder_of(atomic_load(&stuck->wait_obj), atomic_load(&stuck->wait_lock_kind));
	if (holder && holder != stuck) {
		char label[96];
		if (atomic_load(&holder->wait_kind) == W_NONE) {
			struct look l;
			look_at(holder, &l);
			if (walk_instead(&l) && l.cut)
				snprintf(label, sizeof label, "T%d, which holds L%d, waits in %s() here now (not interrupted)",
					 holder->num, sw->waits + 1, l.cut);
			else if (walk_instead(&l))
				snprintf(label, sizeof label,
					 "T%d, which holds L%d, is in system call %ld here now (not interrupted)", holder->num,
					 sw->waits + 1, l.nr);
			else if (l.blocked)
				snprintf(label, sizeof label,
					 "T%d, which holds L%d, blocks signals: where it is now is not known", holder->num,
					 sw->waits + 1);
			else
				snprintf(label, sizeof label, "T%d, which holds L%d, is running here now", holder->num,
					 sw->waits + 1);
			report_add_stack(r, label, sample_stack_seen(holder, &l), 0);
		} else {
			uint32_t now_stack = sample_stack(holder);
			snprintf(label, sizeof label, "T%d, which holds L%d, is itself blocked here now", holder->num,
				 sw->waits + 1);
			report_add_stack(r, label, now_stack ? now_stack : atomic_load(&holder->wait_stack), 0);
		}
		snprintf(r->summary, sizeof r->summary,
			 "T%d has been blocked for %.1f s on L%d (%s), held by T%d (tid %d)", stuck->num, sw->seconds,
			 sw->waits + 1, sw->what, holder->num, (int)holder->tid);
	} else if (sw->waits >= 0) {
		snprintf(r->summary, sizeof r->summary, "T%d has been blocked for %.1f s on L%d (%s)", stuck->num,
			 sw->seconds, sw->waits + 1, sw->what);
	} else {
		snprintf(r->summary, sizeof r->summary, "T%d has been blocked for %.1f s in %s", stuck->num,
			 sw->seconds, sw->what);
	}
	/* Every other thread: what it waits on and what it holds. */
	for (struct thread_rec *o = registry_first(); o; o = o->next)
		if (o != stuck && (o->nheld > 0 || atomic_load(&o->wait_kind) != W_NONE))
			report_add_wait(r, o, now_s);
	char reason[160];
	reason_text(why, stuck, joined_by, reason, sizeof reason);
	snprintf(r->note, sizeof r->note, "the watchdog limit is %.1f s (COFFMAN_WATCHDOG); %s%s", cfg.watchdog_secs,
		 reason, cfg.watchdog_action == WD_REPORT ? "the program keeps running"
		 : cfg.watchdog_action == WD_ABORT ? "the process is aborted (core dump)"
		 : "the process is ended with the exit code");
	r->signature = ((uint64_t)RK_HANG << 56) ^ ((uint64_t)stuck->num << 20) ^ atomic_load(&stuck->transitions);
}

struct stuck {
	struct thread_rec *t;
	enum hang_reason why;
	int joined_by;
};

/* Registry locked: the first thread whose wait has counted toward a hang for longer than the limit. */
static struct stuck find_stuck(double limit_ns, uint64_t now)
{
	static struct joiner joins[JOINERS_MAX];        /* only the watchdog thread runs this */
	int njoins = collect_joiners(joins, JOINERS_MAX);
	struct stuck found = { NULL, HR_IDLE, 0 };
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		if (atomic_load(&t->wait_kind) == W_NONE || atomic_load(&t->hang_reported))
			continue;
		uint64_t since;
		int joined_by = 0;
		enum hang_reason why = hang_reason(t, joins, njoins, &since, &joined_by);
		if (why == HR_LOCK_WAIT && holder_parks(t, now, limit_ns)) {
			t->parked_seen_ns = now;
			continue;
		}
		if (why != HR_IDLE && since && now > since && (double)(now - since) >= limit_ns) {
			found.t = t;
			found.why = why;
			found.joined_by = joined_by;
			return found;
		}
	}
	return found;
}

static void check_once(void)
{
	uint64_t now = now_ns();
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return;
	registry_lock();
	struct stuck stuck = find_stuck(cfg.watchdog_secs * 1e9, now);
	if (stuck.t) {
		atomic_store(&stuck.t->hang_reported, 1);
		build_hang(r, stuck.t, (double)now / 1e9, stuck.why, stuck.joined_by);
	}
	registry_unlock();
	if (!stuck.t) {
		/* Every thread in condition waits (no lock or join wait runs the search): ours to see. */
		deadlock_check_all_blocked();
		free(r);
		return;
	}
	int fatal = cfg.watchdog_action != WD_REPORT;
	if (fatal && !report_claim_termination()) {
		free(r);
		return;
	}
	order_fill_lock_sites(r);
	if (!report_emit(r)) {
		if (fatal)
			report_release_termination();
		free(r);
		return;
	}
	/* Where the time went up to the hang: ending with the exit code writes it at exit, the other
	 * actions here (abort has no exit; report keeps running and prints it again at exit). */
	if (cfg.watchdog_action == WD_ABORT)
		profile_at_exit();
	else if (cfg.watchdog_action == WD_REPORT)
		profile_print_table();
	if (cfg.watchdog_action == WD_ABORT)
		abort();
	if (fatal)
		report_terminate(0);   /* no stdio flush: a stuck thread may hold a stream lock */
	free(r);
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	sigset_t all;
	ours_to_block(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	tls_guard = 1;          /* nothing this thread does is the program's */
	deps_thread_start();
	double period = cfg.watchdog_secs / 4;
	if (period > 0.25)
		period = 0.25;
	if (period < 0.01)
		period = 0.01;
	while (!atomic_load(&stop_requested)) {
		sleep_seconds(period);
		/* The program's last thread has ended (pthread_exit, or a return from its start routine):
		 * natively the process ends then, glibc calling exit(0) as that thread finishes.  This
		 * thread must not keep it alive (a zombie leader with a thread that blocks every signal:
		 * SIGTERM would stay pending forever).  It ends too, and glibc's same rule ends the process
		 * with exit(0) when this was the last thread; if an unregistered program thread still runs,
		 * only the watchdog stops. */
		if (registry_count() == 0)
			break;
		check_once();
	}
	atomic_store(&running, 0);
	return NULL;
}

/* Not at load: the thread starts with the program's second one (watchdog_ensure, from the thread
 * creation wrappers).  A process that checks it is single-threaded before it forks or sandboxes itself
 * (Chromium's zygote, unshare(CLONE_NEWUSER)) failed under the watchdog: it found a thread it did not
 * make.  A single-threaded process has no other thread for its waits to depend on: its own waits
 * check themselves (watchdog_check_self). */
void watchdog_start(void)
{
	if (cfg.watchdog_secs <= 0 || atomic_exchange(&start_claimed, 1))
		return;
	if (install_handler() != 0)
		output_warn("no free real-time signal: the watchdog cannot show what lock holders are doing");
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_t th;
	tls_guard++;
	if (REAL(create)(&th, &attr, watchdog_main, NULL) == 0)
		atomic_store(&running, 1);
	tls_guard--;
	pthread_attr_destroy(&attr);
}

void watchdog_stop(void)
{
	/* Not joined: a process that finishes must exit at once; the thread dies with it. */
	atomic_store(&stop_requested, 1);
}

/* The check, made by a waiting thread itself while no watchdog thread runs: the process has not made
 * a second thread, so what it waits for is held in another process (a process-shared lock, a
 * semaphore), and the slices of its own wait are the only code of ours that still runs. */
void watchdog_check_self(void)
{
	if (cfg.watchdog_secs <= 0 || atomic_load(&running))
		return;
	check_once();
}

void watchdog_ensure(void)
{
	if (__builtin_expect(cfg.watchdog_secs <= 0 || atomic_load_explicit(&start_claimed, memory_order_relaxed), 1))
		return;
	watchdog_start();
}

/* The child has one thread: the watchdog comes back with its second. */
void watchdog_after_fork_child(void)
{
	atomic_store(&running, 0);
	atomic_store(&start_claimed, 0);
	atomic_store(&stop_requested, 0);
}

int watchdog_thread_count(void)
{
	return atomic_load(&running) ? 1 : 0;
}
