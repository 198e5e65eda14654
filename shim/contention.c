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
#define WATCH_TAKERS 8          /* threads named per watch; more are counted in the total only */

struct taker {
	int num;
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
	struct taker takers[WATCH_TAKERS];
	int ntakers;
	int reported;
};

atomic_int contention_watching;
static struct ilock watch_lock = ILOCK_INIT;
static struct watch watches[WATCH_MAX];

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

int contention_watch_begin(struct thread_rec *t, const void *lock, int kind)
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
			w->kind = kind;
			w->waiter = t->num;
			slot = i;
			atomic_fetch_add(&contention_watching, 1);
			break;
		}
	ilock_release(&watch_lock);
	if (slot >= 0)
		mark_threads(t, 1);
	return slot;
}

void contention_watch_end(struct thread_rec *t, int slot)
{
	(void)t;
	ilock_acquire(&watch_lock);
	watches[slot].lock = NULL;
	watches[slot].gen++;
	int left = atomic_fetch_sub(&contention_watching, 1) - 1;
	ilock_release(&watch_lock);
	if (!left)
		mark_threads(NULL, 0);
}

void contention_seen(struct thread_rec *t, const void *lock)
{
	int need_stack = -1;
	unsigned gen = 0;
	int ti = 0;
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
			w->takers[k].pc = t->nheld > 0 ? t->held[t->nheld - 1].pc : 0;
			if (need_stack < 0) {
				need_stack = i;
				gen = w->gen;
				ti = k;
			}
		}
		if (k < WATCH_TAKERS)
			w->takers[k].count++;
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
	for (int k = 0; k < w->ntakers; k++) {
		const struct taker *tk = &w->takers[k];
		struct thread_rec *o = registry_find_num(tk->num);
		if (o)
			report_add_thread_rec(r, o);
		else
			report_add_thread(r, tk->num, 0, 0, 0);
		if (len < sizeof who)
			len += (size_t)snprintf(who + len, sizeof who - len, "%sT%d %u", k ? ", " : "", tk->num,
						 tk->count);
		char label[96];
		snprintf(label, sizeof label, "T%d took L%d %u time%s meanwhile, here", tk->num, lk + 1, tk->count,
			 tk->count == 1 ? "" : "s");
		report_add_stack(r, label, tk->stack, tk->stack ? 0 : tk->pc);
	}
	registry_unlock();
	snprintf(r->summary, sizeof r->summary,
		 "T%d has waited %.1f s for L%d (%s) while other threads took it %u time%s (%s)", t->num, waited_s,
		 lk + 1, lock_kind_name(w->kind), w->total, w->total == 1 ? "" : "s", who);
	snprintf(r->note, sizeof r->note,
		 "the lock is barged: a releasing thread takes it again before the woken waiter runs, so the "
		 "waiter makes no progress (thresholds: waited %u ms while others took it %u times, "
		 "COFFMAN_STARVATION); the program keeps running", cfg.starvation_ms, cfg.starvation_count);
	r->signature = ((uint64_t)RK_STARVATION << 56) ^ (uint64_t)(uintptr_t)w->lock ^ ((uint64_t)t->num << 20);
	order_fill_lock_sites(r);
	report_emit(r);
	free(r);
	cancel_restore(cs);
}

void contention_watch_check(struct thread_rec *t, int slot)
{
	uint64_t waited = now_ns() - atomic_load(&t->wait_since_ns);
	struct watch copy;
	ilock_acquire(&watch_lock);
	copy = watches[slot];
	int due = !copy.reported && waited >= (uint64_t)cfg.starvation_ms * 1000000u &&
		  copy.total >= cfg.starvation_count;
	if (due)
		watches[slot].reported = 1;
	ilock_release(&watch_lock);
	if (due)
		report_starvation(t, &copy, (double)waited / 1e9);
	else if (!copy.reported)
		mark_threads(t, 1);     /* threads created since, and marks lost to a decrement */
}
