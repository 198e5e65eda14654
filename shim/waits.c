/* The contended path (waits.h): publishing a wait, the sliced timed wait for a lock or a join, and the
 * deadlock search each expired slice runs. */
#include "waits.h"
#include "config.h"
#include "contention.h"
#include "deadlock.h"
#include "profile.h"
#include "stacks.h"
#include "watchdog.h"

#include <errno.h>

/* First slice short (a real deadlock is found quickly), later ones longer (a long legitimate wait
 * costs one search per slice). */
#define FIRST_SLICE_NS 100000000ull
#define LATER_SLICE_NS 250000000ull
/* While a watched wait (contention.h) may still turn out starved, its thresholds are checked at this
 * pace, so that a 100 ms threshold means about 100 ms and not the next 250 ms slice; the deadlock
 * search keeps the later slices' pace. */
#define WATCH_SLICE_NS 50000000ull

static void add_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec += (time_t)(ns / 1000000000u);
	ts->tv_nsec += (long)(ns % 1000000000u);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

void wait_begin(struct thread_rec *t, int wait_kind, const void *obj, int timed, uintptr_t pc)
{
	atomic_store(&t->wait_pc, pc);
	atomic_store(&t->wait_obj, obj);
	atomic_store(&t->wait_timed, timed);
	atomic_store(&t->wait_stack, 0);
	atomic_store(&t->wait_since_ns, now_ns());
	atomic_store(&t->hang_reported, 0);
	atomic_fetch_add(&t->transitions, 1);
	/* Last, sequentially consistent: a searcher that sees the kind sees the rest. */
	atomic_store(&t->wait_kind, wait_kind);
}

void wait_end(struct thread_rec *t)
{
	atomic_store(&t->wait_kind, W_NONE);
	atomic_fetch_add(&t->transitions, 1);
}

void wait_slice_expired(struct thread_rec *t, int search)
{
	/* Running our code, not the program's: another thread's deadlock search may count this one as
	 * blocked (it is, and several members of one cycle often search at the same moment). */
	atomic_store(&t->in_slice, 1);
	if (!atomic_load(&t->wait_stack))
		atomic_store(&t->wait_stack, stack_capture());
	if (search)
		deadlock_check(t);
	watchdog_check_self();
	atomic_store(&t->in_slice, 0);
}

/* The contended path's own clock for a wait's length: the coarse monotonic clock (the time of the last
 * tick, read from the vDSO without touching the TSC) is a few nanoseconds and ticks every few
 * milliseconds, plenty for the starvation rules' 10 ms and 100 ms; it never runs ahead of now_ns(). */
static uint64_t coarse_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void publish(struct thread_rec *t, int wait_kind, const void *obj, int lock_kind, int timed, uintptr_t pc)
{
	if (wait_kind == W_LOCK)
		atomic_store(&t->wait_lock_kind, lock_kind);
	wait_begin(t, wait_kind, obj, timed, pc);
}

/* The sliced wait both lock and semaphore waits make.  publish_at_once: publish the wait before the
 * first attempt (a semaphore: the destroy of one with waiters must see them all) instead of after the
 * first slice. */
static int wait_sliced(struct thread_rec *t, int wait_kind, const void *obj, int lock_kind, void *ctx,
		       int publish_at_once, uintptr_t pc, timed_attempt_fn attempt, clockid_t user_clock,
		       const struct timespec *user_deadline)
{
	int rc;
	int published = 0;
	/* Starvation (contention.h): a lock wait's length is measured, and it is watched once long. */
	int starve = wait_kind == W_LOCK && cfg.starvation_ms;
	uint64_t began = starve ? coarse_now_ns() : 0;
	int watch = -1;                 /* starvation watch slot */
	int pending = 0;                /* that watch is still undecided */
	uint64_t early = starve && contention_early_watch(t, obj) ? contention_early_ns() : 0;
	uint64_t waited = 0;            /* the slices that expired */
	uint64_t searched = 0;          /* waited at the last deadlock search */
	uint64_t slice = early && early < FIRST_SLICE_NS ? early : FIRST_SLICE_NS;
	const uint64_t slice0 = slice;
	if (publish_at_once) {
		publish(t, wait_kind, obj, lock_kind, user_deadline != NULL, pc);
		published = 1;
	}
	/* The first slice of a lock wait is not published: nobody looks at a wait younger than a slice
	 * (the deadlock search runs after one, the watchdog's limit is far longer), and most contention
	 * ends within it, so a briefly contended lock pays only the clock reads and the timed variant of
	 * its wait.  A thread whose waits for this lock have added up is watched earlier, in short
	 * slices, before the wait is published. */
	for (;;) {
		struct timespec deadline;
		clock_gettime(user_clock, &deadline);
		add_ns(&deadline, slice);
		int last = 0;
		if (user_deadline && !ts_before(&deadline, user_deadline)) {
			deadline = *user_deadline;
			last = 1;
		}
		rc = attempt(ctx, user_clock, &deadline);
		if (rc != ETIMEDOUT || last)
			break;
		waited += slice;
		/* The first search when the wait reaches a first slice, later ones a later slice apart. */
		int search = waited >= FIRST_SLICE_NS && (!searched || waited - searched >= LATER_SLICE_NS);
		int publishing = !published && waited >= FIRST_SLICE_NS;
		if (publishing) {
			publish(t, wait_kind, obj, lock_kind, user_deadline != NULL, pc);
			atomic_store(&t->wait_since_ns, began ? began : now_ns() - waited);
			published = 1;
		}
		/* The watch begins at the first expiry of an early-watched wait, else at publication (one
		 * try each: the table may be full). */
		if (starve && watch < 0 && ((early && waited == slice0) || publishing)) {
			watch = contention_watch_begin(t, obj, lock_kind, began);
			pending = watch >= 0;
		} else if (watch >= 0 && pending) {
			pending = contention_watch_check(t, watch, published);
		}
		if (waited < FIRST_SLICE_NS) {
			/* An early slice: not published, no search yet. */
			uint64_t left = FIRST_SLICE_NS - waited;
			slice = pending && early < left ? early : left;
			continue;
		}
		/* A timed wait ends by itself: no search. */
		if (search)
			searched = waited;
		wait_slice_expired(t, search && !user_deadline);
		slice = pending ? WATCH_SLICE_NS : LATER_SLICE_NS;
	}
	if (starve)
		contention_wait_done(t, obj, coarse_now_ns() - began, watch);
	if (published)
		wait_end(t);
	return rc;
}

int wait_for_lock(struct thread_rec *t, void *lock, int kind, uintptr_t pc, timed_attempt_fn attempt,
		  clockid_t user_clock, const struct timespec *user_deadline)
{
	if (__builtin_expect(profile_on, 0)) {
		/* The contended path is the one place wait time is measured (profile.h). */
		uint64_t began = profile_wait_begin(t, lock, kind);
		int rc = wait_sliced(t, W_LOCK, lock, kind, lock, 0, pc, attempt, user_clock, user_deadline);
		profile_wait_end(t, lock, kind, pc, began, rc == 0 || rc == EOWNERDEAD);
		return rc;
	}
	return wait_sliced(t, W_LOCK, lock, kind, lock, 0, pc, attempt, user_clock, user_deadline);
}

int wait_for_sem(struct thread_rec *t, const void *sem, uintptr_t pc, timed_attempt_fn attempt, void *ctx,
		 clockid_t user_clock, const struct timespec *user_deadline)
{
	return wait_sliced(t, W_SEM, sem, 0, ctx, 1, pc, attempt, user_clock, user_deadline);
}

static int joined_thread_num(pthread_t th)
{
	registry_lock();
	struct thread_rec *target = registry_find_pthread(th);
	int num = target ? target->num : 0;
	registry_unlock();
	return num;
}

int wait_for_join(struct thread_rec *t, pthread_t th, uintptr_t pc, timed_join_fn attempt, void *ctx)
{
	int rc;
	uint64_t slice = FIRST_SLICE_NS;
	atomic_store(&t->join_num, joined_thread_num(th));
	wait_begin(t, W_JOIN, (const void *)th, 0, pc);
	for (;;) {
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		add_ns(&deadline, slice);
		rc = attempt(ctx, &deadline);
		if (rc != ETIMEDOUT)
			break;
		if (!atomic_load(&t->join_num))
			atomic_store(&t->join_num, joined_thread_num(th));
		wait_slice_expired(t, 1);
		slice = LATER_SLICE_NS;
	}
	atomic_store(&t->join_num, 0);
	wait_end(t);
	return rc;
}
