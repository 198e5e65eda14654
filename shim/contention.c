/* The starvation and livelock detectors (contention.h): the table of watched locks and their waiters'
 * counts of re-takes, the per-thread trylock failure streaks, and the two reports. */
#include "contention.h"
#include "config.h"
#include "deadlock.h"
#include "events.h"
#include "ilock.h"
#include "order.h"
#include "report.h"
#include "stacks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ starvation */

#define WATCH_MAX 16            /* locks waited on for a slice at the same time: more are not watched */
#define WATCH_TAKERS 16         /* threads followed per watch; more are counted in the total only */

struct taker {
	int num;
	pid_t tid;                      /* its identity, for the report should it exit first */
	uint32_t create_stack;
	int parent_num;
	unsigned count;
	uintptr_t pc;                   /* where it took the lock (always) */
	uint32_t stack;                 /* its whole stack, captured at its first counted acquisition */
};

struct watch {
	const void *lock;               /* NULL: slot free */
	int kind;
	int waiter;                     /* thread number of the waiter */
	unsigned gen;                   /* bumped when the slot is reused: late stack captures are dropped */
	unsigned total;                 /* acquisitions by other threads since the wait was published */
	unsigned retakes;               /* those by a thread that had already taken it during the wait: a
					 * waiter queued behind many threads that each take the lock once is
					 * served in turn, not starved; one thread taking it again and again
					 * ahead of the waiter is barging */
	struct taker takers[WATCH_TAKERS];
	int ntakers;
	int reported;
	uint64_t began_ns;              /* when the wait began */
};

atomic_int contention_watching;
static struct ilock watch_lock = ILOCK_INIT;
/* Locks already reported starving: one report per lock.  Threads that all loop on one lock (D-Bus's
 * test-refs: 200 threads taking one lock 10,000 times each) starve one another in turn, and a report
 * per starved thread would be 150 copies of one finding.  Under watch_lock. */
#define STARVED_MAX 64
static const void *starved_locks[STARVED_MAX];
static int nstarved;
static struct watch watches[WATCH_MAX];
/* watches[i].lock again, packed in two cache lines for watched(): every acquisition of every thread
 * reads them while any watch is on.  Written under watch_lock with the slot. */
static const void *watched_locks[WATCH_MAX];

/* Put every other thread's acquisitions on the slow path (on) or back (off).  The budget is the
 * owner's plain int: a store here can be lost to the owner's own decrement of a small budget, which is
 * why the waiter repeats it at every slice.  The owner never decrements HELD_CAPTURE_WATCH or
 * HELD_CAPTURE_ALWAYS, and a compare-and-swap never overwrites the latter. */
static void mark_threads(const struct thread_rec *self, int on)
{
	registry_lock();
	for (struct thread_rec *o = registry_first(); o; o = o->next) {
		if (o == self)
			continue;
		int cur = __atomic_load_n(&o->capture_budget, __ATOMIC_RELAXED);
		if (on && cur != HELD_CAPTURE_ALWAYS && cur != HELD_CAPTURE_WATCH)
			__atomic_compare_exchange_n(&o->capture_budget, &cur, HELD_CAPTURE_WATCH, 0, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		else if (!on && cur == HELD_CAPTURE_WATCH)
			__atomic_compare_exchange_n(&o->capture_budget, &cur, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	registry_unlock();
}

int contention_watch_begin(struct thread_rec *t, const void *lock, int kind, uint64_t began_ns)
{
	if (!cfg.starvation_ms)
		return -1;
	int slot = -1;
	ilock_acquire(&watch_lock);
	for (int i = 0; i < WATCH_MAX; i++)
		if (!watches[i].lock) {
			struct watch *w = &watches[i];
			unsigned gen = w->gen + 1;
			memset(w, 0, sizeof *w);
			w->gen = gen;
			w->lock = lock;
			__atomic_store_n(&watched_locks[i], lock, __ATOMIC_RELAXED);
			w->kind = kind;
			w->waiter = t->num;
			w->began_ns = began_ns;
			slot = i;
			atomic_fetch_add(&contention_watching, 1);
			break;
		}
	ilock_release(&watch_lock);
	if (slot >= 0)
		mark_threads(t, 1);
	return slot;
}

static void watch_end(int slot)
{
	ilock_acquire(&watch_lock);
	watches[slot].lock = NULL;
	__atomic_store_n(&watched_locks[slot], NULL, __ATOMIC_RELAXED);
	watches[slot].gen++;
	int left = atomic_fetch_sub(&contention_watching, 1) - 1;
	ilock_release(&watch_lock);
	if (!left)
		mark_threads(NULL, 0);
}

/* Whether the lock was already reported starving (watch_lock held). */
static int starved_seen(const void *lock)
{
	for (int i = 0; i < nstarved; i++)
		if (starved_locks[i] == lock)
			return 1;
	return 0;
}

/* The same, and if not, the lock is now recorded as reported (watch_lock held). */
static int starved_before(const void *lock)
{
	if (starved_seen(lock))
		return 1;
	if (nstarved < STARVED_MAX)
		starved_locks[nstarved++] = lock;
	return 0;
}

static int starved_already(const void *lock)
{
	ilock_acquire(&watch_lock);
	int seen = starved_seen(lock);
	ilock_release(&watch_lock);
	return seen;
}

/* Whether any watch is on this lock, read without the table's lock: while a watch is on, every thread's
 * every acquisition comes here, and nearly all of them are of other locks (a thousand threads walking a
 * thousand locks queued on the table's lock before).  A watch that begins during the read misses at
 * most this acquisition, as it would had the acquisition come a moment earlier. */
static int watched(const void *lock)
{
	for (int i = 0; i < WATCH_MAX; i++)
		if (__atomic_load_n(&watched_locks[i], __ATOMIC_RELAXED) == lock)
			return 1;
	return 0;
}

void contention_seen(struct thread_rec *t, const void *lock)
{
	int need_stack = -1;
	unsigned gen = 0;
	int ti = 0;
	if (!watched(lock))
		return;
	ilock_acquire(&watch_lock);
	for (int i = 0; i < WATCH_MAX; i++) {
		struct watch *w = &watches[i];
		if (w->lock != lock || w->waiter == t->num)
			continue;
		w->total++;
		int k;
		for (k = 0; k < w->ntakers && w->takers[k].num != t->num; k++)
			;
		if (k == w->ntakers && k < WATCH_TAKERS) {
			w->ntakers++;
			w->takers[k].num = t->num;
			w->takers[k].tid = t->tid;
			w->takers[k].create_stack = t->create_stack;
			w->takers[k].parent_num = t->parent_num;
			w->takers[k].pc = t->nheld > 0 ? t->held[t->nheld - 1].pc : 0;
			if (need_stack < 0) {
				need_stack = i;
				gen = w->gen;
				ti = k;
			}
		}
		if (k < WATCH_TAKERS) {
			if (w->takers[k].count++ > 0)
				w->retakes++;
		}
	}
	ilock_release(&watch_lock);
	if (need_stack < 0)
		return;
	/* Outside the table's lock: unwinding takes a while. */
	uint32_t stack = ev_held_stack();
	ilock_acquire(&watch_lock);
	struct watch *w = &watches[need_stack];
	if (w->gen == gen && w->takers[ti].num == t->num)
		w->takers[ti].stack = stack;
	ilock_release(&watch_lock);
}

#define TAKERS_SHOWN 8

/* The takers a report shows: the busiest, most first (in the order they first took the lock among
 * equals) — a lock many threads pass through once (D-Bus's test-refs) would otherwise show the first
 * few of those, not the thread that kept taking it.  Returns how many indexes order[] holds. */
static int takers_by_count(const struct watch *w, int order[TAKERS_SHOWN])
{
	int n = 0;
	for (int k = 0; k < w->ntakers; k++) {
		int at = n < TAKERS_SHOWN ? n++ : TAKERS_SHOWN;
		while (at > 0 && w->takers[order[at - 1]].count < w->takers[k].count) {
			if (at < TAKERS_SHOWN)
				order[at] = order[at - 1];
			at--;
		}
		if (at < TAKERS_SHOWN)
			order[at] = k;
	}
	return n;
}

/* A duration in a starvation summary: "0.4 s", or "12 ms" below a tenth of a second, where one decimal
 * of a second would print the waits a low threshold reports (--starvation=5: 10 ms) as "0.0 s".  Zero
 * stays "0.0 s".  Returns buf. */
static const char *duration_text(char *buf, size_t len, double seconds)
{
	if (seconds > 0 && seconds < 0.095)
		snprintf(buf, len, seconds < 0.0095 ? "%.1f ms" : "%.0f ms", seconds * 1000);
	else
		snprintf(buf, len, "%.1f s", seconds);
	return buf;
}

static void report_starvation(struct thread_rec *t, const struct watch *w, double waited_s)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return;
	int cs = cancel_disable();
	report_init(r, RK_STARVATION);
	double now_s = (double)now_ns() / 1e9;
	registry_lock();
	report_add_wait(r, t, now_s);
	int lk = r->waits[0].waits;
	char who[160] = "";
	size_t len = 0;
	int order[TAKERS_SHOWN];
	int shown = takers_by_count(w, order);
	for (int k = 0; k < shown; k++) {
		const struct taker *tk = &w->takers[order[k]];
		struct thread_rec *o = registry_find_num(tk->num);
		if (o)
			report_add_thread_rec(r, o);
		else
			report_add_exited_thread(r, tk->num, tk->tid, tk->create_stack, tk->parent_num);
		if (len < sizeof who - 16)
			len += (size_t)snprintf(who + len, sizeof who - len, "%sT%d %u", k ? ", " : "", tk->num,
						 tk->count);
		char label[96];
		snprintf(label, sizeof label, "T%d took L%d %u time%s meanwhile, here", tk->num, lk + 1, tk->count,
			 tk->count == 1 ? "" : "s");
		report_add_stack(r, label, tk->stack, tk->stack ? 0 : tk->pc);
	}
	registry_unlock();
	char dur[24];
	snprintf(r->summary, sizeof r->summary,
		 "T%d has waited %s for L%d (%s) while other threads took it %u time%s (%s)", t->num,
		 duration_text(dur, sizeof dur, waited_s), lk + 1, lock_kind_name(w->kind), w->total, w->total == 1 ? "" : "s", who);
	snprintf(r->note, sizeof r->note,
		 "the lock is barged: a releasing thread takes it again before the woken waiter runs, so the "
		 "waiter makes no progress (thresholds: waited %u ms while threads that had already taken it "
		 "took it again %u times, COFFMAN_STARVATION); the program keeps running", cfg.starvation_ms,
		 cfg.starvation_count);
	r->signature = ((uint64_t)RK_STARVATION << 56) ^ (uint64_t)(uintptr_t)w->lock ^ ((uint64_t)t->num << 20);
	order_fill_lock_sites(r);
	report_emit(r);
	free(r);
	cancel_restore(cs);
}

/* ---------------------------------------------------------------- an unfair share, summed over waits
 *
 * A waiter that is barged now and then, in waits of tens of milliseconds (when the barging thread is
 * preempted between its unlock and its next lock, as on a busy machine), never waits the threshold in
 * one go, yet spends most of its time waiting while the other thread takes the lock thousands of times.
 * So each thread also sums its long waits per lock (waits of a tenth of the threshold or more: a tally
 * in its own record), and once its history on a lock is long, its next long waits are watched from a
 * tenth of the threshold on (contention_early_watch), counting the re-takes as above.  Reported when
 * the sum reaches twice the threshold with COUNT re-takes seen and the thread that re-took the lock
 * most has itself waited for it a third as long or less: threads that all wait about as long (a busy
 * but fair work queue) are not starving one another. */

#define TALLY_SUM_FACTOR 2      /* the sum of long waits must reach this many thresholds */
#define TALLY_TAKER_SHARE 3     /* the re-taker waited at most 1/this of the waiter's sum */

static uint64_t threshold_ns(void)
{
	return (uint64_t)cfg.starvation_ms * 1000000u;
}

uint64_t contention_early_ns(void)
{
	uint64_t ns = threshold_ns() / 10;
	return ns < 1000000u ? 1000000u : ns;
}

static struct wait_tally *tally_of(struct thread_rec *t, const void *lock, int claim)
{
	struct wait_tally *victim = NULL;
	for (int i = 0; i < WAIT_TALLY_SLOTS; i++) {
		struct wait_tally *y = &t->tally[i];
		if (y->lock == lock)
			return y;
		if (!victim || (!y->lock && victim->lock) ||
		    (y->lock && victim->lock && atomic_load_explicit(&y->waited_ns, memory_order_relaxed) <
		     atomic_load_explicit(&victim->waited_ns, memory_order_relaxed)))
			victim = y;
	}
	if (!claim)
		return NULL;
	/* The lock with the least waited is forgotten: a thread starved on a lock keeps its tally. */
	memset(victim, 0, sizeof *victim);
	victim->lock = lock;
	return victim;
}

int contention_early_watch(struct thread_rec *t, const void *lock)
{
	if (!cfg.starvation_ms)
		return 0;
	struct wait_tally *y = tally_of(t, lock, 0);
	return y && !y->reported && atomic_load_explicit(&y->waited_ns, memory_order_relaxed) >= threshold_ns();
}

/* How long thread num has waited, in long waits, for lock, or -1 when the thread has exited: its tally
 * went with its record (registry lock held). */
static int64_t waited_by(int num, const void *lock)
{
	struct thread_rec *o = registry_find_num(num);
	if (!o)
		return -1;
	for (int i = 0; i < WAIT_TALLY_SLOTS; i++)
		if (o->tally[i].lock == lock)
			return (int64_t)atomic_load_explicit(&o->tally[i].waited_ns, memory_order_relaxed);
	return 0;
}

/* The tally's evidence of barging, forgotten: its re-taker has exited. */
static void tally_forget_taker(struct wait_tally *y)
{
	y->retakes = 0;
	y->taker = 0;
	y->taker_count = 0;
	y->taker_stack = 0;
	y->taker_pc = 0;
}

static void report_unfair(struct thread_rec *t, const struct wait_tally *y, const struct watch *w,
			  uint64_t sum_ns, unsigned waits, unsigned retakes, uint64_t taker_waited)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return;
	int cs = cancel_disable();
	report_init(r, RK_STARVATION);
	registry_lock();
	report_add_thread_rec(r, t);
	int lk = report_add_lock(r, (uintptr_t)w->lock, lock_kind_name(w->kind));
	struct thread_rec *o = registry_find_num(y->taker);
	if (o)
		report_add_thread_rec(r, o);
	else    /* exited since the check */
		report_add_exited_thread(r, y->taker, 0, 0, 0);
	registry_unlock();
	char dur[24], taker_dur[24];
	snprintf(r->summary, sizeof r->summary,
		 "T%d has waited %s in all for L%d (%s), in %u waits of %llu ms or more, while other threads "
		 "re-took it %u times (T%d %u; T%d itself waited %s for it)", t->num,
		 duration_text(dur, sizeof dur, (double)sum_ns / 1e9), lk + 1, lock_kind_name(w->kind), waits,
		 (unsigned long long)(contention_early_ns() / 1000000u), retakes, y->taker, y->taker_count, y->taker,
		 duration_text(taker_dur, sizeof taker_dur, (double)taker_waited / 1e9));
	/* One re-taker with most of the re-takes barges the waiter itself; re-takes spread over many
	 * threads (a pool of workers on one lock) are the running threads winning against the woken one. */
	if (2 * (unsigned long long)y->taker_count >= retakes)
		snprintf(r->note, sizeof r->note,
			 "an unfair share: T%d releases the lock and takes it again before the woken waiter runs, "
			 "so it wins nearly every time and T%d's waits add up (thresholds: long waits adding up to "
			 "%u ms with %u re-takes meanwhile, the re-taker waiting a third as long or less; "
			 "COFFMAN_STARVATION); the program keeps running", y->taker, t->num,
			 TALLY_SUM_FACTOR * cfg.starvation_ms, cfg.starvation_count);
	else
		snprintf(r->note, sizeof r->note,
			 "an unfair share: threads already running take the lock before the woken waiter runs, so "
			 "they win nearly every time and T%d's waits add up; the re-takes are spread, the busiest "
			 "re-taker, T%d, made %u of the %u (thresholds: long waits adding up to %u ms with %u "
			 "re-takes meanwhile, the busiest re-taker waiting a third as long or less; "
			 "COFFMAN_STARVATION); the program keeps running", t->num, y->taker, y->taker_count,
			 retakes, TALLY_SUM_FACTOR * cfg.starvation_ms, cfg.starvation_count);
	char label[96];
	snprintf(label, sizeof label, "T%d waits for L%d here", t->num, lk + 1);
	report_add_stack(r, label, stack_capture(), 0);
	snprintf(label, sizeof label, "T%d took L%d %u times meanwhile, here", y->taker, lk + 1, y->taker_count);
	report_add_stack(r, label, y->taker_stack, y->taker_stack ? 0 : y->taker_pc);
	/* The same signature as a single long wait's report: one starvation report per lock. */
	r->signature = ((uint64_t)RK_STARVATION << 56) ^ (uint64_t)(uintptr_t)w->lock;
	order_fill_lock_sites(r);
	report_emit(r);
	free(r);
	cancel_restore(cs);
}

/* The watch's re-takes and its busiest taker, added to the tally y. */
static void tally_fold(struct wait_tally *y, const struct watch *w)
{
	y->retakes += w->retakes;
	for (int k = 0; k < w->ntakers; k++) {
		const struct taker *tk = &w->takers[k];
		if (tk->num == y->taker) {
			y->taker_count += tk->count;
			if (!y->taker_stack)
				y->taker_stack = tk->stack;
		} else if (tk->count > y->taker_count) {
			y->taker = tk->num;
			y->taker_count = tk->count;
			y->taker_stack = tk->stack;
			y->taker_pc = tk->pc;
		}
	}
}

/* The summed rule, during a watched wait w of t that has lasted waited_ns so far.  Returns 0 once t has
 * been reported starving for the lock. */
static int unfair_check(struct thread_rec *t, const struct watch *w, uint64_t waited_ns)
{
	struct wait_tally *y = tally_of(t, w->lock, 1);
	if (y->reported)
		return 0;
	if (starved_already(w->lock)) {
		y->reported = 1;
		return 0;
	}
	struct wait_tally now = *y;
	tally_fold(&now, w);
	uint64_t sum = atomic_load_explicit(&y->waited_ns, memory_order_relaxed) + waited_ns;
	if (sum < TALLY_SUM_FACTOR * threshold_ns() || now.retakes < cfg.starvation_count || !now.taker)
		return 1;
	registry_lock();
	int64_t waited = waited_by(now.taker, w->lock);
	registry_unlock();
	if (waited < 0) {
		/* The re-taker has exited, and how long it waited itself is no longer known.  Taken as 0, it
		 * made a starved thread of every waiter of a fair lock whose busiest re-taker had finished
		 * (D-Bus's test-refs: 200 threads taking one lock in turn).  Its re-takes are forgotten
		 * instead: a thread still running that barges is found anew from the next waits. */
		if (y->taker == now.taker)
			tally_forget_taker(y);
		return 1;
	}
	uint64_t taker_waited = (uint64_t)waited;
	if (taker_waited * TALLY_TAKER_SHARE > sum)
		return 1;
	y->reported = 1;
	ilock_acquire(&watch_lock);
	int before = starved_before(w->lock);
	ilock_release(&watch_lock);
	if (before)
		return 0;
	report_unfair(t, &now, w, sum, y->waits + 1, now.retakes, taker_waited);
	return 0;
}

int contention_watch_check(struct thread_rec *t, int slot, int published)
{
	uint64_t waited = now_ns() - watches[slot].began_ns;   /* began_ns: written by t itself */
	struct watch copy;
	ilock_acquire(&watch_lock);
	copy = watches[slot];
	int due = published && !copy.reported && waited >= threshold_ns() && copy.retakes >= cfg.starvation_count;
	if (due) {
		watches[slot].reported = 1;
		if (starved_before(copy.lock)) {
			/* Reported for another thread already: stop watching this wait. */
			ilock_release(&watch_lock);
			return 0;
		}
	}
	ilock_release(&watch_lock);
	if (due) {
		struct wait_tally *y = tally_of(t, copy.lock, 1);
		y->reported = 1;
		report_starvation(t, &copy, (double)waited / 1e9);
		return 0;
	}
	if (copy.reported)
		return 0;
	if (!unfair_check(t, &copy, waited))
		return 0;
	mark_threads(t, 1);     /* threads created since, and marks lost to a decrement */
	return 1;
}

void contention_wait_done(struct thread_rec *t, const void *lock, uint64_t waited_ns, int slot)
{
	struct watch copy;
	if (slot >= 0) {
		ilock_acquire(&watch_lock);
		copy = watches[slot];
		ilock_release(&watch_lock);
		watch_end(slot);
	}
	if (waited_ns < contention_early_ns())
		return;
	struct wait_tally *y = tally_of(t, lock, 1);
	atomic_store_explicit(&y->waited_ns, atomic_load_explicit(&y->waited_ns, memory_order_relaxed) + waited_ns,
			      memory_order_relaxed);
	y->waits++;
	if (slot >= 0)
		tally_fold(y, &copy);
}

/* ================================================================ livelock */

/* A trylock failure streak per thread, in a table other threads read (keyed by thread number: a
 * collision leaves the later thread untracked, never wrong).  One streak per thread: a thread that
 * keeps backing off keeps trying the same lock. */
#define TRY_SLOTS 256
#define LIVELOCK_FAILS 100      /* failures in a row, at least ... */
#define LIVELOCK_SECS 1.0       /* ... over this long (half the watchdog's limit when shorter) */

struct try_streak {
	_Atomic int num;                /* owner thread, 0 free */
	const void *_Atomic lock;       /* the lock its trylocks keep failing on, NULL none */
	_Atomic unsigned fails;
	_Atomic uint64_t since_ns;      /* first failure of the streak */
	const void *_Atomic held;       /* a lock it held at the last failure (what it backs off from) */
	_Atomic uint32_t stack;         /* a failing trylock's stack, once the streak is long */
	_Atomic uintptr_t pc;
	_Atomic int reported;
};

static struct try_streak streaks[TRY_SLOTS];

static struct try_streak *streak_of(int num, int claim)
{
	struct try_streak *s = &streaks[(unsigned)num % TRY_SLOTS];
	int cur = atomic_load(&s->num);
	if (cur == num)
		return s;
	if (!claim)
		return NULL;
	/* A slot whose thread is gone (or never used) is taken over. */
	if (cur != 0) {
		registry_lock();
		int alive = registry_find_num(cur) != NULL;
		registry_unlock();
		if (alive)
			return NULL;
	}
	if (!atomic_compare_exchange_strong(&s->num, &cur, num))
		return NULL;
	atomic_store(&s->lock, NULL);
	atomic_store(&s->fails, 0);
	atomic_store(&s->reported, 0);
	return s;
}

/* With the watchdog on, a livelock is found before the watchdog's limit: the threads' joiners and
 * waiters would otherwise be reported as a hang first, hiding the cause. */
static double livelock_secs(void)
{
	double half = cfg.watchdog_secs / 2;
	return cfg.watchdog_secs > 0 && half < LIVELOCK_SECS ? half : LIVELOCK_SECS;
}

/* s (t's streak) is long: if the thread holding the lock t keeps failing on is itself stuck failing
 * on a lock t holds, report both (registry lock taken here). */
static void livelock_check(struct thread_rec *t, struct try_streak *s, uint64_t now)
{
	const void *lock = atomic_load(&s->lock);
	registry_lock();
	const struct held_lock *hh;
	struct thread_rec *h = registry_holder_of(lock, &hh);
	struct try_streak *hs = h && h != t ? streak_of(h->num, 0) : NULL;
	const void *hlock = hs ? atomic_load(&hs->lock) : NULL;
	if (!hs || !hlock || !registry_holds(t, hlock) || atomic_load(&hs->fails) < LIVELOCK_FAILS ||
	    (double)(now - atomic_load(&hs->since_ns)) < livelock_secs() * 1e9 / 2) {
		registry_unlock();
		return;
	}
	struct report *r = malloc(sizeof *r);
	if (!r) {
		registry_unlock();
		return;
	}
	report_init(r, RK_LIVELOCK);
	int ta = report_add_thread_rec(r, t), tb = report_add_thread_rec(r, h);
	int a_held = report_add_lock(r, (uintptr_t)hlock, lock_kind_name(LK_MUTEX));
	int a_tries = report_add_lock(r, (uintptr_t)lock, lock_kind_name(LK_MUTEX));
	unsigned fa = atomic_load(&s->fails), fb = atomic_load(&hs->fails);
	double sa = (double)(now - atomic_load(&s->since_ns)) / 1e9;
	double sb = (double)(now - atomic_load(&hs->since_ns)) / 1e9;
	uint32_t hstack = atomic_load(&hs->stack);
	uintptr_t hpc = atomic_load(&hs->pc);
	int hnum = h->num;
	registry_unlock();
	(void)ta;
	(void)tb;
	snprintf(r->summary, sizeof r->summary,
		 "T%d and T%d keep failing trylock on the lock the other holds, backing off and retrying: "
		 "T%d failed on L%d %u times in a row, T%d on L%d %u times, for %.1f s", t->num, hnum, t->num,
		 a_tries + 1, fa, hnum, a_held + 1, fb, sa < sb ? sa : sb);
	snprintf(r->note, sizeof r->note,
		 "neither makes progress: each holds one lock while it tries the other, and they back off in "
		 "step (a livelock); take the locks in one order, or back off for a random time; %s",
		 cfg.watchdog_secs <= 0 ? "the program keeps running"
		 : cfg.watchdog_action == WD_REPORT ? "the program keeps running (COFFMAN_WATCHDOG_ACTION=report)"
		 : cfg.watchdog_action == WD_ABORT ? "the process is aborted, as for a hang (COFFMAN_WATCHDOG)"
		 : "the process is ended with the exit code, as for a hang (COFFMAN_WATCHDOG)");
	char label[96];
	snprintf(label, sizeof label, "T%d, holding L%d, fails trylock of L%d (%u times in a row) at", t->num,
		 a_held + 1, a_tries + 1, fa);
	report_add_stack(r, label, stack_capture(), 0);
	snprintf(label, sizeof label, "T%d, holding L%d, fails trylock of L%d (%u times in a row) at", hnum,
		 a_tries + 1, a_held + 1, fb);
	report_add_stack(r, label, hstack, hstack ? 0 : hpc);
	int lo = t->num < hnum ? t->num : hnum, hi = t->num < hnum ? hnum : t->num;
	r->signature = ((uint64_t)RK_LIVELOCK << 56) ^ ((uint64_t)lo << 40) ^ ((uint64_t)hi << 24) ^
		       ((uint64_t)(uintptr_t)lock ^ (uint64_t)(uintptr_t)hlock);
	atomic_store(&s->reported, 1);
	atomic_store(&hs->reported, 1);
	int fatal = cfg.watchdog_secs > 0 && cfg.watchdog_action != WD_REPORT;
	if (fatal && !report_claim_termination()) {
		free(r);
		return;
	}
	order_fill_lock_sites(r);
	int shown = report_emit(r);
	free(r);
	if (fatal) {
		if (!shown) {
			report_release_termination();
			return;
		}
		if (cfg.watchdog_action == WD_ABORT)
			abort();
		report_terminate(0);
	}
}

void contention_trylock(struct thread_rec *t, const void *lock, int kind, int rc, uintptr_t pc)
{
	(void)kind;
	if (rc != EBUSY) {
		if (rc == 0 || rc == EOWNERDEAD) {
			struct try_streak *s = streak_of(t->num, 0);
			if (s && atomic_load_explicit(&s->lock, memory_order_relaxed) == lock) {
				atomic_store(&s->lock, NULL);
				atomic_store(&s->fails, 0);
			}
			if (t->try_streak_lock == lock)
				t->try_streak_lock = NULL;
		}
		return;
	}
	/* Only a thread that holds something while it retries can keep another from progressing. */
	if (t->nheld == 0)
		return;
	struct try_streak *s = streak_of(t->num, 1);
	if (!s)
		return;
	uint64_t now = now_ns();
	atomic_store(&s->held, t->held[t->nheld - 1].lock);
	if (atomic_load(&s->lock) != lock) {
		atomic_store(&s->fails, 1);
		atomic_store(&s->since_ns, now);
		atomic_store(&s->pc, pc);
		atomic_store(&s->stack, 0);
		atomic_store(&s->reported, 0);
		atomic_store(&s->lock, lock);
		t->try_streak_lock = lock;
		return;
	}
	unsigned fails = atomic_fetch_add(&s->fails, 1) + 1;
	if (fails < LIVELOCK_FAILS || atomic_load(&s->reported))
		return;
	int cs = cancel_disable();
	if (!atomic_load(&s->stack))
		atomic_store(&s->stack, stack_capture());
	/* Looked at every 64 failures once the streak is long: a failing trylock stays cheap. */
	if ((fails & 63) == 0 && (double)(now - atomic_load(&s->since_ns)) >= livelock_secs() * 1e9)
		livelock_check(t, s, now);
	cancel_restore(cs);
}
