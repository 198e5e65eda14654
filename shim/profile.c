/* The contention profile (profile.h): the per-thread counting tables, the shared per-lock records, the
 * wait samples by stack, and at exit the table, the pprof file and the folded stacks. */
#include "profile.h"
#include "config.h"
#include "deps.h"
#include "deps_api.h"
#include "elf_symbols.h"
#include "events.h"
#include "ilock.h"
#include "mem.h"
#include "order.h"
#include "outbuf.h"
#include "output.h"
#include "prof_clock.h"
#include "report.h"
#include "stacks.h"
#include "symbolize.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct profile_flag profile_flag;
struct profile_waiting profile_waiting;

#define PROFILE_TOP 10                  /* rows of the table */
#define REC_BUCKETS 4096                /* shared records' hash; power of two */
#define HOLDER_WORDS 16                 /* distinct holders: exact up to 1024 thread numbers */

/* ================================================================ the shared per-lock records */

struct prof_lock {
	struct prof_lock_owner owner;           /* first: profile_acquired reads it through the slot */
	_Atomic uint32_t release_stack;         /* the last release while a thread waited: its stack */
	struct prof_lock *next;                 /* bucket chain, published with a release store */
	const void *lock;
	int kind;
	/* Where the lock at this address was initialised when the record was made (0: first seen in
	 * use): the table at exit names it even if the program destroyed the lock by then, as servers
	 * and thread pools do before they exit. */
	uintptr_t init_pc;
	uint32_t init_stack;                    /* its (site, caller) when made in a library (init_sites.h) */
	uintptr_t first_use_pc;                 /* never initialised by a call: where it was first used */
	uint32_t first_use_stack;               /* and the stack there, if captured */
	int row;                                /* collection at exit only (collect_lock held) */
	/* counts handed over by evicted slots and exited threads (times in ticks) */
	_Atomic uint64_t acquisitions, shared, owner_changes;
	_Atomic uint64_t hold_timed, hold_timed_ticks, hold_max_ticks;
	_Atomic uint64_t contended, wait_ticks, wait_max_ticks;
	_Atomic uint64_t holders[HOLDER_WORDS];
};

static _Atomic(struct prof_lock *) buckets[REC_BUCKETS];
static struct ilock rec_lock = ILOCK_INIT;
static _Atomic unsigned nrecs;

static unsigned addr_hash(const void *p)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 4 ^ x >> 12 ^ x >> 20;
	return (unsigned)x;
}

static struct prof_lock *rec_find(const void *lock)
{
	for (struct prof_lock *r = atomic_load_explicit(&buckets[addr_hash(lock) & (REC_BUCKETS - 1)],
							 memory_order_acquire); r; r = r->next)
		if (r->lock == lock)
			return r;
	return NULL;
}

/* Where t took lock, innermost hold first (0: not held). */
static uintptr_t held_pc_of(const struct thread_rec *t, const void *lock)
{
	int i = held_find(t, lock);
	return i >= 0 ? t->held[i].pc : 0;
}

/* t: the thread whose acquisition of lock makes the record (where it took it is the lock's first use
 * we know of, when no *_init call made it and no nesting recorded one). */
static struct prof_lock *rec_get(const struct thread_rec *t, const void *lock, int kind)
{
	struct prof_lock *r = rec_find(lock);
	if (r)
		return r;
	uintptr_t init_pc = 0;
	uint32_t init_stack = 0;
	int init_kind;
	uintptr_t first_use_pc = 0;
	uint32_t first_use_stack = 0;
	if (!order_init_site_stack(lock, &init_pc, &init_kind, &init_stack)) {  /* before rec_lock: no order */
		init_pc = 0;
		init_stack = 0;
		if (!order_first_use_site(lock, &first_use_pc, &first_use_stack)) {
			first_use_pc = held_pc_of(t, lock);
			first_use_stack = 0;
		}
	}
	ilock_acquire(&rec_lock);
	r = rec_find(lock);
	if (!r && (r = calloc(1, sizeof *r))) {
		_Atomic(struct prof_lock *) *b = &buckets[addr_hash(lock) & (REC_BUCKETS - 1)];
		r->lock = lock;
		r->kind = kind;
		r->init_pc = init_pc;
		r->init_stack = init_stack;
		r->first_use_pc = first_use_pc;
		r->first_use_stack = first_use_stack;
		r->next = atomic_load_explicit(b, memory_order_relaxed);
		atomic_store_explicit(b, r, memory_order_release);
		atomic_fetch_add(&nrecs, 1);
	}
	ilock_release(&rec_lock);
	return r;
}

static void atomic_max(_Atomic uint64_t *m, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(m, memory_order_relaxed);
	while (v > cur && !atomic_compare_exchange_weak_explicit(m, &cur, v, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

/* ================================================================ the per-thread tables */

static void samples_flush(struct prof_slot *s);

static void slot_hand_over(struct prof_slot *s)
{
	struct prof_lock *r = s->rec;
	atomic_fetch_add_explicit(&r->acquisitions, profile_slot_acquisitions(s), memory_order_relaxed);
	atomic_fetch_add_explicit(&r->shared, s->shared, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->owner_changes, s->owner_changes, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->hold_timed, s->hold_timed, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->hold_timed_ticks, s->hold_timed_ticks, memory_order_relaxed);
	atomic_max(&r->hold_max_ticks, s->hold_max_ticks);
	atomic_fetch_add_explicit(&r->contended, s->contended, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->wait_ticks, s->wait_ticks, memory_order_relaxed);
	atomic_max(&r->wait_max_ticks, s->wait_max_ticks);
	samples_flush(s);
}

static unsigned slot_index(const void *lock)
{
	return profile_slot_index(lock);
}

/* The slot is another lock's (or free): hand its counts over, then take it for lock.  Registry
 * locked: the collector at exit reads slots under it, and must not see one half-switched. */
static __attribute__((noinline)) struct prof_slot *slot_fill(const struct thread_rec *t, struct prof_slot *s,
							     const void *lock, int kind)
{
	/* Internal locks from a lock fast path: the guard sends a signal handler's lock calls, while
	 * they are held, to the real functions instead of back here. */
	tls_guard++;
	struct prof_lock *r = rec_get(t, lock, kind);
	if (r) {
		registry_lock();
		if (s->lock)
			slot_hand_over(s);
		memset(s, 0, sizeof *s);
		s->lock = lock;
		s->rec = r;
		s->acquisitions = s->left = 1;  /* the first acquisition ends a batch: timed, a holder */
		registry_unlock();
	}
	tls_guard--;
	return r ? s : NULL;
}

static __attribute__((noinline)) struct prof_thread *prof_thread_new(struct thread_rec *t)
{
	tls_guard++;            /* as in slot_fill */
	struct prof_thread *p = mem_zalloc_aligned(sizeof *p, _Alignof(struct prof_thread));  /* slots aligned */
	if (p) {
		registry_lock();
		t->prof = p;
		registry_unlock();
	}
	tls_guard--;
	return p;
}

static inline struct prof_slot *slot_for(struct thread_rec *t, const void *lock, int kind)
{
	struct prof_thread *p = t->prof;
	if (__builtin_expect(!p, 0) && !(p = prof_thread_new(t)))
		return NULL;
	struct prof_slot *s = &p->slots[slot_index(lock)];
	if (__builtin_expect(s->lock == lock, 1))
		return s;
	return slot_fill(t, s, lock, kind);
}

void profile_owner_changed(struct thread_rec *t, struct prof_slot *s)
{
	struct prof_lock *r = s->rec;
	int owner = atomic_load_explicit(&r->owner.last_owner, memory_order_relaxed);
	atomic_store_explicit(&r->owner.last_owner, t->num, memory_order_relaxed);
	s->owner_changes += owner != 0;
}

/* t holds lock, and its innermost hold of it is timed (a hold released or re-taken since is not). */
static int hold_is_timed(const struct thread_rec *t, const void *lock)
{
	for (int i = t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock)
			return (t->held[i].flags & HELD_TIMED) != 0;
	return 0;
}

/* A timed hold of lock begins inside the timed hold of another: that one is kept, its time going on,
 * under the new one (the outermost is dropped past PROFILE_TIMING_NEST).  Those that ended meanwhile
 * unseen (released out of order), and an older hold of lock itself, are dropped first. */
static __attribute__((noinline)) void timing_nest(struct thread_rec *t, struct prof_thread *p, const void *lock)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->nouter; i++)
		if (p->outer[i].lock != lock && hold_is_timed(t, p->outer[i].lock))
			p->outer[n++] = p->outer[i];
	if (hold_is_timed(t, p->timing_lock)) {
		if (n == PROFILE_TIMING_NEST) {
			memmove(&p->outer[0], &p->outer[1], (n - 1) * sizeof p->outer[0]);
			n--;
		}
		p->outer[n++] = (struct prof_timing){ p->timing_lock, p->timing, p->timing_since, p->timing_weight };
	}
	p->nouter = n;
}

void profile_hold_begin(struct thread_rec *t, struct prof_slot *s, const void *lock, uint32_t weight)
{
	struct prof_thread *p = t->prof;
	if (profile_slot_acquisitions(s) == 1) {
		/* This thread's first hold of the lock (or the first since its slot was taken over): a
		 * holder.  Not at the slot's filling: a thread that only waited has not held it. */
		unsigned bit = (unsigned)t->num % (HOLDER_WORDS * 64);
		atomic_fetch_or_explicit(&s->rec->holders[bit / 64], 1ull << (bit % 64), memory_order_relaxed);
	}
	for (int i = t->nheld - 1; i >= 0; i--) {       /* the hold just pushed (or nested) */
		if (t->held[i].lock == lock) {
			t->held[i].flags |= HELD_TIMED;
			break;
		}
	}
	if (__builtin_expect(p->timing_lock != NULL && p->timing_lock != lock, 0))
		timing_nest(t, p, lock);
	p->timing = s;
	p->timing_lock = lock;
	p->timing_weight = weight;
	p->timing_since = prof_ticks();
}

void profile_count(struct thread_rec *t, const void *lock, int kind, int shared)
{
	profile_count_inline(t, lock, kind, shared);
}

void profile_count_excl(struct thread_rec *t, const void *lock, int kind)
{
	profile_count_inline(t, lock, kind, 0);
}

/* The thread has no table yet, or the lock is not in its slot. */
void profile_acquired_slow(struct thread_rec *t, const void *lock, int kind, int shared)
{
	struct prof_slot *s = slot_for(t, lock, kind);
	if (__builtin_expect(!s, 0))
		return;
	s->shared += (unsigned)shared;
	if (atomic_load_explicit(&s->rec->owner.last_owner, memory_order_relaxed) != t->num)
		profile_owner_changed(t, s);
	if (--s->left == 0)
		profile_batch_end(t, s, lock);  /* always, on a fresh slot: its first hold is timed */
}

/* The batch of acquisitions that ends with this one (left reached 0, so the total is exact): begin
 * the next, and time this hold.  The next batch is one acquisition long while the thread has made
 * fewer than PROFILE_HOLD_FIRST of them (each of its first holds is timed), PROFILE_HOLD_EVERY after
 * that. */
void profile_batch_end(struct thread_rec *t, struct prof_slot *s, const void *lock)
{
	/* The batch that ends here: one acquisition among the first PROFILE_HOLD_FIRST, else
	 * PROFILE_HOLD_EVERY; this hold stands for it. */
	uint32_t ended = s->acquisitions <= PROFILE_HOLD_FIRST ? 1 : PROFILE_HOLD_EVERY;
	uint32_t next = s->acquisitions < PROFILE_HOLD_FIRST ? 1 : PROFILE_HOLD_EVERY;
	s->acquisitions += next;
	s->left = next;
	profile_hold_begin(t, s, lock, ended);
}

/* The timed hold of lock ends. */
void profile_hold_end(struct thread_rec *t, const void *lock)
{
	struct prof_thread *p = t->prof;
	uint64_t d = prof_ticks() - p->timing_since;
	struct prof_slot *s = p->timing;
	if (s->lock == lock) {
		s->hold_timed += p->timing_weight;
		s->hold_timed_ticks += d * p->timing_weight;
		if (d > s->hold_max_ticks)
			s->hold_max_ticks = d;
	}
	p->timing_lock = NULL;
	while (p->nouter) {             /* the timed hold this one was nested in, if it goes on */
		const struct prof_timing *o = &p->outer[--p->nouter];
		if (o->lock != lock && hold_is_timed(t, o->lock)) {
			p->timing_lock = o->lock;
			p->timing = o->slot;
			p->timing_since = o->since;
			p->timing_weight = o->weight;
			break;
		}
	}
}

/* Somebody may wait for lock, which this thread is releasing: this critical section is what made them
 * wait.  Its stack, at the release, is captured once per acquisition site (the pc where this thread
 * took the lock) and left in the lock's record for the waiter to read when its wait ends; the record
 * is written only when the stack differs from the one there. */
void profile_blame_release(struct thread_rec *t, const void *lock, uintptr_t acquired_pc)
{
	if (!t->prof)
		return;
	struct prof_slot *s = &t->prof->slots[slot_index(lock)];
	struct prof_lock *r = s->lock == lock ? s->rec : rec_find(lock);
	if (!r)
		return;
	uint32_t st = 0;
	if (s->lock == lock && s->release_key == acquired_pc && s->release_stack) {
		st = s->release_stack;
	} else {
		tls_guard++;
		st = stack_capture();
		tls_guard--;
		if (s->lock == lock) {
			s->release_key = acquired_pc;
			s->release_stack = st;
		}
	}
	if (atomic_load_explicit(&r->release_stack, memory_order_relaxed) != st)
		atomic_store_explicit(&r->release_stack, st, memory_order_relaxed);
}

/* ================================================================ wait samples by stack */

enum { SAMPLE_WAITER, SAMPLE_HOLDER };

struct wait_sample {
	struct prof_lock *rec;          /* NULL: free */
	uint32_t stack;
	int type;
	uint64_t count, ticks;
};

static struct ilock sample_lock = ILOCK_INIT;
static struct wait_sample *samples;
static size_t sample_mask;              /* slots - 1 */
static size_t nsamples;

static size_t sample_hash(const struct prof_lock *rec, uint32_t stack, int type)
{
	uintptr_t x = (uintptr_t)rec ^ ((uintptr_t)stack * 0x9e3779b97f4a7c15ull) ^ (uintptr_t)type;
	return (size_t)(x ^ x >> 17 ^ x >> 31);
}

static int samples_grow(void)
{
	size_t slots = samples ? (sample_mask + 1) * 2 : 256;
	struct wait_sample *grown = calloc(slots, sizeof *grown);
	if (!grown)
		return -1;
	for (size_t i = 0; samples && i <= sample_mask; i++) {
		if (!samples[i].rec)
			continue;
		size_t h = sample_hash(samples[i].rec, samples[i].stack, samples[i].type) & (slots - 1);
		while (grown[h].rec)
			h = (h + 1) & (slots - 1);
		grown[h] = samples[i];
	}
	free(samples);
	samples = grown;
	sample_mask = slots - 1;
	return 0;
}

static void sample_add(struct prof_lock *rec, uint32_t stack, int type, uint64_t count, uint64_t ticks)
{
	ilock_acquire(&sample_lock);
	if ((!samples || nsamples * 2 >= sample_mask) && samples_grow() != 0) {
		ilock_release(&sample_lock);
		return;
	}
	size_t h = sample_hash(rec, stack, type) & sample_mask;
	while (samples[h].rec && !(samples[h].rec == rec && samples[h].stack == stack && samples[h].type == type))
		h = (h + 1) & sample_mask;
	if (!samples[h].rec) {
		samples[h].rec = rec;
		samples[h].stack = stack;
		samples[h].type = type;
		nsamples++;
	}
	samples[h].count += count;
	samples[h].ticks += ticks;
	ilock_release(&sample_lock);
}

/* The slot's pending samples to the shared table. */
static void samples_flush(struct prof_slot *s)
{
	if (s->wait_count)
		sample_add(s->rec, s->wait_stack, SAMPLE_WAITER, s->wait_count, s->wait_sum_ticks);
	if (s->holder_count)
		sample_add(s->rec, s->holder_stack, SAMPLE_HOLDER, s->holder_count, s->holder_sum_ticks);
	s->wait_count = s->wait_sum_ticks = s->holder_count = s->holder_sum_ticks = 0;
}

uint64_t profile_wait_begin(struct thread_rec *t, const void *lock, int kind)
{
	(void)t;
	(void)lock;
	if (kind == LK_RWLOCK)
		atomic_fetch_add_explicit(&profile_waiting.rwlock, 1, memory_order_relaxed);
	else if (kind >= LK_USER)
		atomic_fetch_add_explicit(&profile_waiting.family, 1, memory_order_relaxed);
	return prof_ticks();
}

void profile_wait_end(struct thread_rec *t, const void *lock, int kind, uintptr_t pc, uint64_t began, int acquired)
{
	uint64_t d = prof_ticks() - began;
	if (kind == LK_RWLOCK)
		atomic_fetch_sub_explicit(&profile_waiting.rwlock, 1, memory_order_relaxed);
	else if (kind >= LK_USER)
		atomic_fetch_sub_explicit(&profile_waiting.family, 1, memory_order_relaxed);
	if (!acquired)
		return;         /* a timed wait that gave up is not an acquisition */
	struct prof_slot *s = slot_for(t, lock, kind);
	if (!s)
		return;
	s->contended++;
	s->wait_ticks += d;
	if (d > s->wait_max_ticks)
		s->wait_max_ticks = d;
	uint32_t holder = atomic_load_explicit(&s->rec->release_stack, memory_order_relaxed);
	if (s->wait_pc != pc || !s->wait_stack || holder != s->holder_stack) {
		/* A new call site or another holder: what was summed so far goes to the shared table. */
		samples_flush(s);
		if (s->wait_pc != pc || !s->wait_stack) {
			s->wait_stack = stack_capture();
			s->wait_pc = pc;
		}
		s->holder_stack = holder;
	}
	s->wait_count++;
	s->wait_sum_ticks += d;
	s->holder_count++;
	s->holder_sum_ticks += d;
}

void profile_thread_exit(struct thread_rec *t)
{
	registry_lock();
	struct prof_thread *p = t->prof;
	if (p)
		for (int i = 0; i < PROFILE_SLOTS; i++)
			if (p->slots[i].lock)
				slot_hand_over(&p->slots[i]);
	t->prof = NULL;
	registry_unlock();
	if (p != profile_table_at(t))
		free(p);
}

/* ================================================================ collection */

struct row {
	struct prof_lock *rec;
	/* the times are summed in ticks, then converted in place (rows_to_ns) */
	uint64_t acquisitions, shared, owner_changes, contended, wait_ns, wait_max_ns;
	uint64_t hold_timed, hold_timed_ns, hold_max_ns;
	int threads;
	char name[160];
	char site[1100];        /* func file:line: as long as a frame_info's parts */
};

static struct ilock collect_lock = ILOCK_INIT;

static void row_add_slot(struct row *w, const struct prof_slot *s)
{
	w->acquisitions += profile_slot_acquisitions(s);
	w->shared += s->shared;
	w->owner_changes += s->owner_changes;
	w->hold_timed += s->hold_timed;
	w->hold_timed_ns += s->hold_timed_ticks;
	if (s->hold_max_ticks > w->hold_max_ns)
		w->hold_max_ns = s->hold_max_ticks;
	w->contended += s->contended;
	w->wait_ns += s->wait_ticks;
	if (s->wait_max_ticks > w->wait_max_ns)
		w->wait_max_ns = s->wait_max_ticks;
}

/* The rows' times, summed in ticks, to nanoseconds (prof_clock_calibrate done). */
static void rows_to_ns(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rows[i].wait_ns = prof_ticks_to_ns(rows[i].wait_ns);
		rows[i].wait_max_ns = prof_ticks_to_ns(rows[i].wait_max_ns);
		rows[i].hold_timed_ns = prof_ticks_to_ns(rows[i].hold_timed_ns);
		rows[i].hold_max_ns = prof_ticks_to_ns(rows[i].hold_max_ns);
	}
}

static uint64_t row_hold_ns(const struct row *w)
{
	if (!w->hold_timed)
		return 0;
	return (uint64_t)((double)w->hold_timed_ns / (double)w->hold_timed * (double)w->acquisitions);
}

static int by_wait(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->acquisitions != y->acquisitions)
		return x->acquisitions < y->acquisitions ? 1 : -1;
	return (uintptr_t)x->rec->lock < (uintptr_t)y->rec->lock ? -1 : 1;
}

/* Every lock's totals: the shared records plus what live threads still hold in their tables (read
 * while they run: a count may be a few acquisitions behind).  Sorted by total wait.  collect_lock
 * held by the caller; *n rows, the array to free. */
/* Rows of locks this process neither took nor waited for: a forked child keeps its parent's records,
 * emptied (profile_after_fork_child).  Returns how many rows are left, in order. */
static size_t rows_drop_unused(struct row *rows, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].acquisitions || rows[i].contended || rows[i].wait_ns)
			rows[kept++] = rows[i];
	return kept;
}

static struct row *collect(size_t *n)
{
	size_t cap = atomic_load(&nrecs), k = 0;
	struct row *rows = calloc(cap ? cap : 1, sizeof *rows);
	if (!rows) {
		*n = 0;
		return NULL;
	}
	for (size_t b = 0; b < REC_BUCKETS; b++)
		for (struct prof_lock *r = atomic_load_explicit(&buckets[b], memory_order_acquire); r && k < cap;
		     r = r->next) {
			struct row *w = &rows[k];
			r->row = (int)k++;
			w->rec = r;
			w->acquisitions = atomic_load(&r->acquisitions);
			w->shared = atomic_load(&r->shared);
			w->owner_changes = atomic_load(&r->owner_changes);
			w->hold_timed = atomic_load(&r->hold_timed);
			w->hold_timed_ns = atomic_load(&r->hold_timed_ticks);
			w->hold_max_ns = atomic_load(&r->hold_max_ticks);
			w->contended = atomic_load(&r->contended);
			w->wait_ns = atomic_load(&r->wait_ticks);
			w->wait_max_ns = atomic_load(&r->wait_max_ticks);
			for (int i = 0; i < HOLDER_WORDS; i++)
				w->threads += __builtin_popcountll(atomic_load(&r->holders[i]));
		}
	registry_lock();
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		struct prof_thread *p = t->prof;
		for (int i = 0; p && i < PROFILE_SLOTS; i++) {
			const struct prof_slot *s = &p->slots[i];
			if (s->lock && s->rec && s->rec->row >= 0 && (size_t)s->rec->row < k && rows[s->rec->row].rec == s->rec)
				row_add_slot(&rows[s->rec->row], s);
		}
	}
	rows_to_ns(rows, k);
	uint64_t now = now_ns();
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		/* A wait still going on (a hang report's table, a thread blocked at exit) counts so far. */
		struct prof_lock *r;
		if (atomic_load(&t->wait_kind) == W_LOCK && (r = rec_find(atomic_load(&t->wait_obj))) &&
		    r->row >= 0 && (size_t)r->row < k && rows[r->row].rec == r) {
			uint64_t since = atomic_load(&t->wait_since_ns), d = now > since ? now - since : 0;
			rows[r->row].wait_ns += d;
			if (d > rows[r->row].wait_max_ns)
				rows[r->row].wait_max_ns = d;
		}
	}
	registry_unlock();
	k = rows_drop_unused(rows, k);
	qsort(rows, k, sizeof *rows, by_wait);
	*n = k;
	return rows;
}

/* A symbolized frame of pc, as a report's frame reads (init_site_text). */
static void frame_text(const struct frame_info *fi, uintptr_t pc, char *buf, size_t len)
{
	if (fi->func[0] && fi->line)
		snprintf(buf, len, "%s %s:%d", fi->func, fi->file, fi->line);
	else if (fi->func[0] && !fi->has_func_offset)
		snprintf(buf, len, "%s (%s)", fi->func, fi->object);
	else if (fi->func[0] || fi->object[0])
		report_frame_site(fi, buf, len);
	else
		snprintf(buf, len, "%#lx", (unsigned long)pc);
}

/* The frame of pc, as a report's frame reads. */
static void init_frame_text(uintptr_t pc, char *buf, size_t len)
{
	struct frame_info *fi = malloc(sizeof *fi);
	if (!fi) {
		snprintf(buf, len, "%#lx", (unsigned long)pc);
		return;
	}
	symbolize_code(pc, 1, fi);
	frame_text(fi, pc, buf, len);
	free(fi);
}

/* Where a lock never initialised by a call was first used, named as the reports name it
 * (report_lock_site_frame): the first frame of the program with a source file on the first use's
 * stack; for a lock GLib made on its first use (a static GRWLock or GRecMutex: the pc is in
 * g_rw_lock_writer_lock or the like, the same for all of them), the frame above GLib's function;
 * else the pc's own frame. */
static void first_use_text(uintptr_t pc, uint32_t stack, char *buf, size_t len)
{
	struct frame_info *fi = malloc(sizeof *fi);
	if (!fi) {
		snprintf(buf, len, "%#lx", (unsigned long)pc);
		return;
	}
	struct report_lock l = { .create_pc = pc, .create_stack = stack, .create_is_init = 0 };
	report_lock_site_frame(&l, fi);
	frame_text(fi, pc, buf, len);
	free(fi);
}

/* Where an initialised lock was created, as a report's frame reads: "func file:line", or in a
 * stripped object "func+0x1c (libx.so+0x120b)" or "?? (prog+0x5e4d0)".  A frame without a function
 * name is still a call to *_init: only a lock first seen in use, never initialised, comes from a
 * static initializer.  A lock made through a library's wrapper (stack: its site and caller) adds
 * ", called from" the caller, as the reports do. */
static void init_site_text(uintptr_t pc, uint32_t stack, char *buf, size_t len)
{
	init_frame_text(pc, buf, len);
	struct report_lock l = { .create_pc = pc, .create_stack = stack, .create_is_init = 1 };
	report_append_init_caller(&l, buf, len);
}

/* "name", or the address; and "kind, created at ..." (symbolizer: guard raised). */
static void describe(struct row *w)
{
	const void *lock = w->rec->lock;
	/* Unnamed: by the object whose static data holds it, as reports say it (a stripped program's own
	 * lock, memcached's), else by its address. */
	if (!symbolize_data((uintptr_t)lock, w->name, sizeof w->name) &&
	    !symbolize_data_place((uintptr_t)lock, w->name, sizeof w->name))
		snprintf(w->name, sizeof w->name, "%p", lock);
	uintptr_t pc;
	uint32_t stack = 0;
	int kind;
	if (!order_init_site_stack(lock, &pc, &kind, &stack) || !pc) {
		pc = w->rec->init_pc;           /* destroyed since (or its site record was evicted) */
		stack = w->rec->init_stack;
	}
	if (pc)
		init_site_text(pc, stack, w->site, sizeof w->site);
	if (!w->site[0]) {
		/* Never initialised by a call: where it was first used tells such locks apart (a program's
		 * heap std::mutex objects, LevelDB's all of them, otherwise read alike). */
		uintptr_t use = w->rec->first_use_pc;
		uint32_t use_stack = w->rec->first_use_stack;
		if (!use && !order_first_use_site(lock, &use, &use_stack))
			use = 0;
		if (!use_stack)                 /* the site record may have its stack now */
			(void)order_first_use_site(lock, &(uintptr_t){ 0 }, &use_stack);
		char where[sizeof w->site - 48];
		where[0] = '\0';
		if (use)
			first_use_text(use, use_stack, where, sizeof where);
		snprintf(w->site, sizeof w->site, "a static initializer%s%s", where[0] ? ", first used in " : "", where);
	}
}

static void fmt_ns(char *out, size_t cap, uint64_t ns)
{
	double v = (double)ns;
	const char *unit = "ns";
	if (v >= 1e9) {
		v /= 1e9;
		unit = "s";
	} else if (v >= 1e6) {
		v /= 1e6;
		unit = "ms";
	} else if (v >= 1e3) {
		v /= 1e3;
		unit = "us";
	}
	snprintf(out, cap, v >= 100 || unit[0] == 'n' ? "%.0f%s" : "%.3g%s", v, unit);
}

static const char *profile_files(char *buf, size_t cap)
{
	char path[PATH_MAX];
	output_expand_pid(path, sizeof path, cfg.profile, NULL);
	snprintf(buf, cap, "%s (pprof), %s.folded", path, path);
	return buf;
}

static void table_text(struct outbuf *ob, struct row *rows, size_t n)
{
	uint64_t acq = 0, cont = 0, wait = 0;
	for (size_t i = 0; i < n; i++) {
		acq += rows[i].acquisitions;
		cont += rows[i].contended;
		wait += rows[i].wait_ns;
	}
	char total[32], files[2 * PATH_MAX + 32];
	fmt_ns(total, sizeof total, wait);
	size_t shown = n < PROFILE_TOP ? n : PROFILE_TOP;
	ob_line(ob, "coffman: profile: %zu lock%s, %llu acquisitions, %llu contended, %s waited in all; "
		"the %zu with most wait (files: %s):", n, n == 1 ? "" : "s", (unsigned long long)acq,
		(unsigned long long)cont, total, shown, profile_files(files, sizeof files));
	ob_line(ob, "   #   acquired  contended  wait total      mean       max  hold total      mean       max  "
		"threads  changes  lock");
	for (size_t i = 0; i < shown; i++) {
		struct row *w = &rows[i];
		char wt[32], wm[32], wx[32], ht[32], hm[32], hx[32], kind[96];
		uint64_t hold = row_hold_ns(w);
		fmt_ns(wt, sizeof wt, w->wait_ns);
		fmt_ns(wm, sizeof wm, w->contended ? w->wait_ns / w->contended : 0);
		fmt_ns(wx, sizeof wx, w->wait_max_ns);
		fmt_ns(ht, sizeof ht, hold);
		fmt_ns(hm, sizeof hm, w->acquisitions ? hold / w->acquisitions : 0);
		fmt_ns(hx, sizeof hx, w->hold_max_ns);
		if (w->rec->kind == LK_RWLOCK)
			snprintf(kind, sizeof kind, "rwlock: %llu read, %llu write", (unsigned long long)w->shared,
				 (unsigned long long)(w->acquisitions - w->shared));
		else
			snprintf(kind, sizeof kind, "%s", lock_kind_name(w->rec->kind));
		ob_line(ob, "%4zu %10llu %10llu %11s %9s %9s %11s %9s %9s %8d %8llu  %s (%p, %s), created at %s", i + 1,
			(unsigned long long)w->acquisitions, (unsigned long long)w->contended, wt, wm, wx, ht, hm, hx,
			w->threads, (unsigned long long)w->owner_changes, w->name, w->rec->lock, kind, w->site);
	}
	if (shown < n)
		ob_line(ob, "coffman: profile: %zu more lock%s in the pprof file", n - shown, n - shown == 1 ? "" : "s");
	ob_line(ob, "coffman: profile: hold times are sampled (the first %d holds of each lock by each thread, "
		"then 1 in %d) and scaled to the exact acquisition counts", PROFILE_HOLD_FIRST, PROFILE_HOLD_EVERY);
}

static void table_json(struct outbuf *ob, struct row *rows, size_t n)
{
	char files[2 * PATH_MAX + 32];
	ob_printf(ob, "{\"coffman\":1,\"pid\":%d,\"kind\":\"profile\",\"files\":", (int)getpid());
	ob_json_string(ob, profile_files(files, sizeof files));
	ob_puts(ob, ",\"locks\":[");
	for (size_t i = 0; i < n; i++) {
		struct row *w = &rows[i];
		uint64_t hold = row_hold_ns(w);
		ob_printf(ob, "%s{\"lock\":\"%p\",\"name\":", i ? "," : "", w->rec->lock);
		ob_json_string(ob, w->name);
		ob_printf(ob, ",\"kind\":\"%s\",\"created_at\":", lock_kind_name(w->rec->kind));
		ob_json_string(ob, w->site);
		ob_printf(ob, ",\"acquisitions\":%llu,\"read\":%llu,\"contended\":%llu,\"wait_ns\":%llu,"
			  "\"wait_mean_ns\":%llu,\"wait_max_ns\":%llu,\"hold_ns\":%llu,\"hold_mean_ns\":%llu,"
			  "\"hold_max_ns\":%llu,\"threads\":%d,\"owner_changes\":%llu}",
			  (unsigned long long)w->acquisitions, (unsigned long long)w->shared,
			  (unsigned long long)w->contended, (unsigned long long)w->wait_ns,
			  (unsigned long long)(w->contended ? w->wait_ns / w->contended : 0),
			  (unsigned long long)w->wait_max_ns, (unsigned long long)hold,
			  (unsigned long long)(w->acquisitions ? hold / w->acquisitions : 0),
			  (unsigned long long)w->hold_max_ns, w->threads, (unsigned long long)w->owner_changes);
	}
	ob_puts(ob, "]}\n");
}

static void print_table(struct row *rows, size_t n)
{
	struct outbuf ob;
	ob_init(&ob);
	if (cfg.format == FMT_JSON)
		table_json(&ob, rows, n);
	else
		table_text(&ob, rows, n);
	output_write(&ob);
	ob_free(&ob);
}

static void describe_all(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		describe(&rows[i]);
}

static void write_files(struct row *rows, size_t n);

/* The table on the report stream, and with files also the pprof and folded files: one snapshot of
 * the counts for both, taken under collect_lock with this thread's own locks kept out of it. */
static void profile_emit(int with_files)
{
	tls_guard++;
	ilock_acquire(&collect_lock);
	prof_clock_calibrate();         /* for every conversion of this snapshot */
	size_t n;
	struct row *rows = collect(&n);
	if (rows) {
		describe_all(rows, n);
		print_table(rows, n);
		if (with_files)
			write_files(rows, n);
	}
	free(rows);
	ilock_release(&collect_lock);
	tls_guard--;
}

void profile_print_table(void)
{
	if (profile_on)
		profile_emit(0);
}

/* ================================================================ the pprof file and folded stacks */

/* Strings to small integers, for deduplicating functions and locations while the profile is built. */
struct dedup {
	uintptr_t *keys;        /* 0: free */
	uint32_t *vals;
	size_t mask, n;
};

static int dedup_grow(struct dedup *d)
{
	size_t slots = d->keys ? (d->mask + 1) * 2 : 1024;
	uintptr_t *keys = calloc(slots, sizeof *keys);
	uint32_t *vals = calloc(slots, sizeof *vals);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; d->keys && i <= d->mask; i++) {
		if (!d->keys[i])
			continue;
		size_t h = (d->keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (slots - 1);
		while (keys[h])
			h = (h + 1) & (slots - 1);
		keys[h] = d->keys[i];
		vals[h] = d->vals[i];
	}
	free(d->keys);
	free(d->vals);
	d->keys = keys;
	d->vals = vals;
	d->mask = slots - 1;
	return 0;
}

/* The value stored for key (nonzero), or 0; with val nonzero, stores it when absent. */
static uint32_t dedup_get(struct dedup *d, uintptr_t key, uint32_t val)
{
	if ((!d->keys || d->n * 2 >= d->mask) && dedup_grow(d) != 0)
		return 0;
	size_t h = (key * 0x9e3779b97f4a7c15ull >> 20) & d->mask;
	for (; d->keys[h]; h = (h + 1) & d->mask)
		if (d->keys[h] == key)
			return d->vals[h];
	if (val) {
		d->keys[h] = key;
		d->vals[h] = val;
		d->n++;
	}
	return val;
}

static uintptr_t str_key(const char *a, const char *b)
{
	uintptr_t h = 1469598103934665603ull;
	for (const char *s = a; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *s = b; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h | 1;
}

#define INLINED_MAX 8

/* The profile under construction, in coffman's own memory. */
struct builder {
	struct pprof_function *functions;
	size_t nfunctions, cap_functions;
	struct pprof_location *locations;
	size_t nlocations, cap_locations;
	struct pprof_line *lines;               /* each location's lines, INLINED_MAX apart */
	struct dedup by_pc, by_name;
	struct frame_info *fi;                  /* INLINED_MAX of them, for the symbolizer */
	int failed;
};

static char *dup_clean(const char *s)
{
	/* A folded line is "a;b;c N": a name must not contain the separators or a line break. */
	char *c = strdup(s && *s ? s : "??");
	for (char *p = c; p && *p; p++)
		if (*p == ';' || *p == '\n' || *p == '\r')
			*p = ':';
	return c;
}

static uint32_t function_id(struct builder *b, const char *name, const char *file)
{
	uintptr_t key = str_key(name, file);
	uint32_t id = dedup_get(&b->by_name, key, 0);
	if (id)
		return id;
	if (b->nfunctions == b->cap_functions) {
		size_t cap = b->cap_functions ? b->cap_functions * 2 : 256;
		struct pprof_function *g = realloc(b->functions, cap * sizeof *g);
		if (!g) {
			b->failed = 1;
			return 0;
		}
		b->functions = g;
		b->cap_functions = cap;
	}
	b->functions[b->nfunctions].name = dup_clean(name);
	b->functions[b->nfunctions].file = strdup(file);
	b->nfunctions++;
	return dedup_get(&b->by_name, key, (uint32_t)b->nfunctions);
}

/* A location per code address (and a synthetic one per label, pc 0 with a name). */
static uint32_t location_id(struct builder *b, uintptr_t pc, const char *synthetic)
{
	uintptr_t key = synthetic ? str_key("[synthetic]", synthetic) : pc;
	uint32_t id = dedup_get(&b->by_pc, key, 0);
	if (id)
		return id;
	if (b->nlocations == b->cap_locations) {
		size_t cap = b->cap_locations ? b->cap_locations * 2 : 256;
		struct pprof_location *g = realloc(b->locations, cap * sizeof *g);
		if (g)
			b->locations = g;
		struct pprof_line *l = realloc(b->lines, cap * INLINED_MAX * sizeof *l);
		if (l) {
			/* Each location points at its lines in this table, which may have moved. */
			b->lines = l;
			for (size_t k = 0; k < b->nlocations; k++)
				b->locations[k].lines = &l[k * INLINED_MAX];
		}
		if (!g || !l) {
			b->failed = 1;
			return 0;
		}
		b->cap_locations = cap;
	}
	size_t i = b->nlocations;
	struct pprof_line *lines = &b->lines[i * INLINED_MAX];
	int n = 0;
	if (synthetic) {
		lines[n++] = (struct pprof_line){ function_id(b, synthetic, ""), 0 };
	} else {
		int k = symbolize_code_inlined(pc, 1, b->fi, INLINED_MAX);
		for (int j = 0; j < k; j++) {
			const struct frame_info *f = &b->fi[j];
			const char *name = f->func[0] ? f->func : "??";
			char unnamed[300];
			if (!f->func[0] || strcmp(f->func, "??") == 0) {
				snprintf(unnamed, sizeof unnamed, "%s+0x%lx", f->object[0] ? f->object : "??",
					 (unsigned long)f->offset);
				name = unnamed;
			}
			lines[n++] = (struct pprof_line){ function_id(b, name, f->file), f->line };
		}
		if (!n)
			lines[n++] = (struct pprof_line){ function_id(b, "??", ""), 0 };
	}
	b->locations[i] = (struct pprof_location){ pc, n, lines };
	b->nlocations++;
	return dedup_get(&b->by_pc, key, (uint32_t)b->nlocations);
}

struct profile_doc {
	const uint8_t *data;
	size_t len;
	struct outbuf *folded;
};

static int write_bytes(int fd, void *ctx)
{
	struct profile_doc *d = ctx;
	return output_write_fd(fd, (const char *)d->data, d->len);
}

static int write_folded(int fd, void *ctx)
{
	struct profile_doc *d = ctx;
	return output_write_fd(fd, d->folded->data ? d->folded->data : "", d->folded->len);
}

static uint64_t load_ns;
static const char *pprof_unavailable;   /* why no pprof file can be encoded (profile_init), or NULL */
static pid_t load_pid;

/* The waiters' stacks, root first, then the lock, then the wait in microseconds. */
static void fold(struct outbuf *ob, const struct builder *b, const uint32_t *locs, int n, const char *lock,
		 uint64_t ns)
{
	for (int i = n - 1; i >= 0; i--) {
		const struct pprof_location *l = &b->locations[locs[i] - 1];
		for (int j = l->nlines - 1; j >= 0; j--)
			ob_printf(ob, "%s;", b->functions[l->lines[j].function - 1].name);
	}
	ob_printf(ob, "[lock %s] %llu\n", lock, (unsigned long long)((ns + 999) / 1000));
}

static void write_files(struct row *rows, size_t nrows)
{
	char path[PATH_MAX], folded_path[PATH_MAX + 8], why[PATH_MAX + 160];
	int had_pid;
	output_expand_pid(path, sizeof path, cfg.profile, &had_pid);
	/* A forked child writes only to a path of its own (%p): its parent's file is not its to replace. */
	if (!had_pid && load_pid && getpid() != load_pid)
		return;
	snprintf(folded_path, sizeof folded_path, "%s.folded", path);

	/* The samples live threads have not handed over yet (read while they run, as in collect). */
	registry_lock();
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		struct prof_thread *p = t->prof;
		for (int i = 0; p && i < PROFILE_SLOTS; i++) {
			const struct prof_slot *s = &p->slots[i];
			if (!s->lock || !s->rec)
				continue;
			if (s->wait_count)
				sample_add(s->rec, s->wait_stack, SAMPLE_WAITER, s->wait_count, s->wait_sum_ticks);
			if (s->holder_count)
				sample_add(s->rec, s->holder_stack, SAMPLE_HOLDER, s->holder_count, s->holder_sum_ticks);
		}
	}
	registry_unlock();

	struct builder b = { 0 };
	b.fi = calloc(INLINED_MAX, sizeof *b.fi);
	ilock_acquire(&sample_lock);
	size_t ns = nsamples, k = 0;
	struct wait_sample *copy = calloc(ns + 1, sizeof *copy);
	for (size_t i = 0; copy && samples && i <= sample_mask && k < ns; i++)
		if (samples[i].rec)
			copy[k++] = samples[i];
	ilock_release(&sample_lock);
	struct pprof_sample *ps = calloc(k + 1, sizeof *ps);
	uint32_t *ids = calloc((k + 1) * (STACK_MAX_FRAMES + 2), sizeof *ids);
	struct outbuf folded;
	ob_init(&folded);
	if (!b.fi || !copy || !ps || !ids) {
		output_warn("COFFMAN_PROFILE: out of memory, no profile files");
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		const struct wait_sample *s = &copy[i];
		struct row *w = NULL;
		for (size_t r = 0; r < nrows && !w; r++)
			if (rows[r].rec == s->rec)
				w = &rows[r];
		uint32_t *loc = &ids[i * (STACK_MAX_FRAMES + 2)];
		const uintptr_t *pcs;
		int nf = s->stack ? stack_frames(s->stack, &pcs) : 0, nl = 0;
		for (int f = 0; f < nf && f < STACK_MAX_FRAMES; f++)
			loc[nl++] = location_id(&b, pcs[f], NULL);
		if (!nl)
			loc[nl++] = location_id(&b, 0, s->type == SAMPLE_WAITER ? "[waiter's stack unavailable]"
							   : "[holder unknown: released before the wait began]");
		ps[i].nlocations = nl;
		ps[i].locations = loc;
		ps[i].lock = w ? w->name : NULL;
		int base = s->type == SAMPLE_WAITER ? 0 : 2;
		ps[i].values[base] = (int64_t)s->count;
		uint64_t ns = prof_ticks_to_ns(s->ticks);
		ps[i].values[base + 1] = (int64_t)ns;
		if (s->type == SAMPLE_WAITER && !b.failed)
			fold(&folded, &b, loc, nl, w ? w->name : "?", ns);
	}
	if (b.failed) {
		output_warn("COFFMAN_PROFILE: out of memory, no profile files");
		goto out;
	}

	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	char program[PATH_MAX];
	elf_main_program_path(program, sizeof program);
	struct pprof_data d = {
		.nvalues = 4,
		.type = { "contentions", "delay", "holder_contentions", "holder_delay" },
		.unit = { "count", "nanoseconds", "count", "nanoseconds" },
		.default_type = 1,
		.time_nanos = (int64_t)load_ns,
		.duration_nanos = (int64_t)((uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec - load_ns),
		.program = program,
		.nfunctions = b.nfunctions, .functions = b.functions,
		.nlocations = b.nlocations, .locations = b.locations,
		.nsamples = k, .samples = ps,
	};
	if (pprof_unavailable) {
		output_warn("COFFMAN_PROFILE: no pprof file: %s", pprof_unavailable);
	} else {
		size_t need = deps_api->pprof_encode(&d, NULL, 0);
		uint8_t *buf = need ? malloc(need) : NULL;
		if (buf && deps_api->pprof_encode(&d, buf, need) == need) {
			struct profile_doc doc = { buf, need, NULL };
			if (output_write_document(path, 1, write_bytes, &doc, why, sizeof why) != 0)
				output_warn("COFFMAN_PROFILE: cannot write %s", why);
		} else {
			output_warn("COFFMAN_PROFILE: the pprof file could not be encoded");
		}
		free(buf);
	}
	struct profile_doc fd = { NULL, 0, &folded };
	if (folded.failed)
		output_warn("COFFMAN_PROFILE: out of memory for %s", folded_path);
	else if (output_write_document(folded_path, 1, write_folded, &fd, why, sizeof why) != 0)
		output_warn("COFFMAN_PROFILE: cannot write %s", why);
out:
	ob_free(&folded);
	for (size_t i = 0; i < b.nfunctions; i++) {
		free((char *)b.functions[i].name);
		free((char *)b.functions[i].file);
	}
	free(b.functions);
	free(b.locations);
	free(b.lines);
	free(b.by_pc.keys);
	free(b.by_pc.vals);
	free(b.by_name.keys);
	free(b.by_name.vals);
	free(b.fi);
	free(copy);
	free(ps);
	free(ids);
}

void profile_at_exit(void)
{
	static atomic_int done;
	if (!profile_on || atomic_exchange(&done, 1))
		return;
	int cs;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	profile_emit(1);
	pthread_setcancelstate(cs, NULL);
}

/* A forked child's profile is its own, as its graph file is: what its parent counted before the fork
 * is in the parent's profile, and a child that listed it too counted each of those acquisitions twice
 * across the two (PostgreSQL's backends each showed the postmaster's 4,787).  The records and the
 * forking thread's table stay, emptied; a timed hold in progress simply goes uncounted (its slot no
 * longer names the lock). */
static void forget_parent_counts(void)
{
	for (unsigned b = 0; b < REC_BUCKETS; b++)
		for (struct prof_lock *r = atomic_load_explicit(&buckets[b], memory_order_relaxed); r; r = r->next) {
			_Atomic uint64_t *counts[] = { &r->acquisitions, &r->shared, &r->owner_changes, &r->hold_timed,
						       &r->hold_timed_ticks, &r->hold_max_ticks, &r->contended,
						       &r->wait_ticks, &r->wait_max_ticks };
			for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
				atomic_store_explicit(counts[i], 0, memory_order_relaxed);
			for (int i = 0; i < HOLDER_WORDS; i++)
				atomic_store_explicit(&r->holders[i], 0, memory_order_relaxed);
		}
	if (samples)
		memset(samples, 0, (sample_mask + 1) * sizeof *samples);
	nsamples = 0;
	struct thread_rec *t = tls_self;
	if (t && t->prof) {
		memset(t->prof->slots, 0, sizeof t->prof->slots);
		t->prof->nouter = 0;
	}
}

void profile_after_fork_child(void)
{
	ilock_reset(&rec_lock);
	ilock_reset(&sample_lock);
	ilock_reset(&collect_lock);
	if (profile_on)
		forget_parent_counts();
}

void profile_init(void)
{
	if (!cfg.profile)
		return;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	load_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	load_pid = getpid();
	prof_clock_init();
	pprof_unavailable = deps_pprof_load();
	profile_flag.on = 1;
}
