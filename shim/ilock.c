/* futex lock in the three-state form (free / held / held-with-waiters): an uncontended release makes
 * no system call. */
#include "ilock.h"
#include "raw_signals.h"
#include "sigdefer.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void futex_wait(atomic_int *word, int expected)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_one(atomic_int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

__thread int ilock_depth __attribute__((tls_model("initial-exec")));

atomic_int ilock_hold_signals;

/* The mask a thread had before its outermost internal lock held signals off (raw_signals.h), given
 * back when it leaves that lock. */
static __thread uint64_t saved_mask __attribute__((tls_model("initial-exec")));
static __thread int mask_saved __attribute__((tls_model("initial-exec")));

static __attribute__((noinline, cold)) void signals_hold(void)
{
	mask_saved = raw_signals_hold(&saved_mask) == 0;
}

static __attribute__((noinline, cold)) void signals_back(void)
{
	mask_saved = 0;
	raw_signals_back(saved_mask);
}

/* Which handlers turn the holding on: those of the signals stop-the-world collectors park threads with
 * on Linux -- the Boehm GC (Guile, ECL, Inkscape, w3m...) and Mono's SGen SIGPWR and SIGXCPU, or
 * real-time signals when so built -- and no others.  Holding costs two system calls per outermost
 * internal lock section (a lock's creation, first use, new edge, destruction: 4-5x on a program that
 * churns through new mutexes, bench/manylocks), so the usual handlers (SIGINT, SIGTERM, SIGHUP, SIGCHLD,
 * SIGUSR1 to reopen logs...) leave it off.  A runtime that parks its threads with another signal
 * (HotSpot's SIGUSR2 suspend, D's SIGUSR1) turns it on when it first sends one with pthread_kill
 * (ilock_note_directed_signal).  Deferring the program's handlers instead, so that one landing inside
 * the checker runs when the thread leaves it, would cost nothing per section (not done). */
static int parking_candidate(int sig)
{
	return sig == SIGPWR || sig == SIGXCPU || (sig >= SIGRTMIN && sig <= SIGRTMAX);
}

/* Turns the holding on.  Sequentially consistent, as the sections' count and re-read of the flag are
 * (enter_outermost): the drain that follows must not read the count before the flag is seen. */
void ilock_note_directed_signal(void)
{
	if (!atomic_load_explicit(&ilock_hold_signals, memory_order_relaxed))
		atomic_store(&ilock_hold_signals, 1);
}

void ilock_note_handler(int sig)
{
	if (parking_candidate(sig))
		ilock_note_directed_signal();
}

/* Threads inside an outermost internal lock section with signals open, and whether this one is.
 * Before the first parking signal is sent, the sender waits until none is (ilock_drain_open_sections):
 * the holding may begin while a thread is already inside. */
static atomic_int open_sections;
static __thread int in_open_section __attribute__((tls_model("initial-exec")));

static void enter_outermost(void)
{
	if (!atomic_load_explicit(&ilock_hold_signals, memory_order_relaxed)) {
		/* Counted first, then the flag read again: a sender that sets the flag and then finds no
		 * open section is sure that every section from then on holds signals off. */
		atomic_fetch_add(&open_sections, 1);
		if (!atomic_load(&ilock_hold_signals)) {
			in_open_section = 1;
			return;
		}
		atomic_fetch_sub(&open_sections, 1);
	}
	signals_hold();
}

static void leave_outermost(void)
{
	if (in_open_section) {
		in_open_section = 0;
		atomic_fetch_sub(&open_sections, 1);
	} else if (mask_saved) {
		signals_back();
	}
}

/* Once the holding is on, no section opens with signals open, so the count only falls: once it has
 * reached zero (or the wait gave up) no later sender waits. */
static atomic_int drained;

void ilock_drain_open_sections(void)
{
	if (atomic_load_explicit(&drained, memory_order_relaxed))
		return;
	/* Bounded in time: a section never waits for the sender (it holds no program lock), so this ends
	 * within a section's time; a thread parked in one by an earlier signal would not, and is given up
	 * on after a second, once. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (atomic_load(&open_sections) > 0) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 1 ||
		    (now.tv_sec - start.tv_sec == 1 && now.tv_nsec >= start.tv_nsec))
			break;
	}
	atomic_store_explicit(&drained, 1, memory_order_relaxed);
}

void ilock_acquire(struct ilock *l)
{
	if (ilock_depth == 0)
		enter_outermost();
	ilock_depth++;          /* first: a signal that lands from here on sees the thread as inside */
	int expected = 0;
	if (atomic_compare_exchange_strong(&l->state, &expected, 1))
		return;
	if (expected != 2)
		expected = atomic_exchange(&l->state, 2);
	while (expected != 0) {
		futex_wait(&l->state, 2);
		expected = atomic_exchange(&l->state, 2);
	}
}

void ilock_release(struct ilock *l)
{
	if (atomic_exchange(&l->state, 0) == 2)
		futex_wake_one(&l->state);
	if (--ilock_depth == 0) {
		leave_outermost();
		if (sigdefer_pending)
			sigdefer_run_pending();         /* handlers of signals that landed inside (sigdefer.h) */
	}
}

void ilock_reset(struct ilock *l)
{
	if (atomic_exchange(&l->state, 0) != 0 && ilock_depth > 0 && --ilock_depth == 0)
		leave_outermost();      /* the forking thread held it across fork: its mask comes back too */
}

void ilock_after_fork_child(void)
{
	/* The parent's other threads are not here: their open sections with them. */
	atomic_store(&open_sections, in_open_section);
}
