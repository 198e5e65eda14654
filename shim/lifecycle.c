/* The lifecycle checks (lifecycle.h): the records of destroyed objects (by address and a hash of their
 * bytes) and of condition variables with their waiters' mutexes, and the reports they lead to —
 * use-after-destroy, reinit-live, cond-misuse and exit-holding — built under the lifecycle lock. */
#include "lifecycle.h"
#include "events.h"
#include "glibc_mutex.h"
#include "ilock.h"
#include "memprobe.h"
#include "order.h"
#include "report.h"
#include "stacks.h"
#include "symbolize.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include "uthash_fast.h"

static struct ilock life_lock = ILOCK_INIT;

/* ================================================================ destroyed objects */

/* A bucket holds the LIFE_WAYS most recently destroyed objects that hash to it; an older one is
 * forgotten (a use long after the destroy may then go unreported: the cache is bounded so that
 * programs that create and destroy locks in rounds do not grow). */
#define LIFE_WAYS 4

struct destroyed_rec {
	uintptr_t addr;                 /* 0: free */
	uintptr_t pc;                   /* the destroy's return address */
	uint64_t bytes;                 /* hash of the object's bytes just after the destroy (0: not kept) */
	uint64_t seq;                   /* for eviction: the oldest goes */
	int thread_num;
	uint8_t kind;
};

atomic_uchar life_bucket_used[LIFE_BUCKETS];
static struct destroyed_rec destroyed[LIFE_BUCKETS][LIFE_WAYS];
static uint64_t destroyed_seq;

static void cond_forget(const void *c);
static void cond_lock(const void *c);
static void cond_unlock(const void *c);

static uint64_t bytes_hash(const void *obj, size_t size)
{
	const unsigned char *p = obj;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h | 1;           /* never 0: 0 means "no snapshot" */
}

/* life_lock held. */
static struct destroyed_rec *destroyed_find(const void *obj)
{
	struct destroyed_rec *b = destroyed[life_bucket(obj)];
	for (int i = 0; i < LIFE_WAYS; i++)
		if (b[i].addr == (uintptr_t)obj)
			return &b[i];
	return NULL;
}

static void destroyed_forget(struct destroyed_rec *d)
{
	unsigned bucket = life_bucket((const void *)d->addr);
	d->addr = 0;
	atomic_fetch_sub_explicit(&life_bucket_used[bucket], 1, memory_order_relaxed);
}

int life_destroy_prepare(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc,
			 struct life_destroy *d)
{
	/* An object glibc does not mark is recognised by its bytes alone.  One that came from a static
	 * initialiser (C++ std::shared_mutex does) is not remembered: its bytes after a destroy can equal
	 * the initialiser's, so a new object built the same way in the same memory would pass for it. */
	uintptr_t init_pc;
	int init_kind;
	if (size && !order_init_site(obj, &init_pc, &init_kind))
		return 0;
	d->obj = obj;
	d->pc = pc;
	d->bytes = size ? bytes_hash(obj, size) : 0;
	d->thread_num = t->num;
	d->kind = kind;
	return 1;
}

void life_destroy_record(void *arg)
{
	const struct life_destroy *x = arg;
	unsigned bucket = life_bucket(x->obj);
	ilock_acquire(&life_lock);
	struct destroyed_rec *d = destroyed_find(x->obj);
	if (!d) {
		struct destroyed_rec *b = destroyed[bucket];
		d = &b[0];
		for (int i = 0; i < LIFE_WAYS; i++) {
			if (!b[i].addr) {
				d = &b[i];
				break;
			}
			if (b[i].seq < d->seq)
				d = &b[i];
		}
		if (!d->addr)
			atomic_fetch_add_explicit(&life_bucket_used[bucket], 1, memory_order_relaxed);
	}
	d->addr = (uintptr_t)x->obj;
	d->pc = x->pc;
	d->bytes = x->bytes;
	d->seq = ++destroyed_seq;
	d->thread_num = x->thread_num;
	d->kind = (uint8_t)x->kind;
	ilock_release(&life_lock);
}

void life_destroyed(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc)
{
	struct life_destroy d;
	if (life_destroy_prepare(t, obj, kind, size, pc, &d))
		life_destroy_record(&d);
	if (kind == LK_COND) {
		cond_lock(obj);
		cond_forget(obj);       /* its record (mutex, waiters) ends with it */
		cond_unlock(obj);
	}
}

int life_was_destroyed(const void *obj, uintptr_t *destroy_pc, int *destroy_thread)
{
	if (!life_maybe_destroyed(obj))
		return 0;
	ilock_acquire(&life_lock);
	struct destroyed_rec *d = destroyed_find(obj);
	if (d) {
		if (destroy_pc)
			*destroy_pc = d->pc;
		if (destroy_thread)
			*destroy_thread = d->thread_num;
	}
	ilock_release(&life_lock);
	return d != NULL;
}

int life_check_use(struct thread_rec *t, const void *obj, int kind, size_t size, const char *call, uintptr_t pc)
{
	uint64_t bytes = bytes_hash(obj, size);
	ilock_acquire(&life_lock);
	struct destroyed_rec *d = destroyed_find(obj);
	int still = 0;
	if (d) {
		if (d->kind == kind && d->bytes == bytes)
			still = 1;
		else
			destroyed_forget(d);    /* new data in that memory: a new object, not the dead one */
	}
	ilock_release(&life_lock);
	if (still)
		life_report_use(t, obj, kind, call, LIFE_DESTROYED, -1, pc);
	return still;
}

/* ================================================================ condition variables */

struct cond_rec {
	uintptr_t addr;
	uintptr_t init_pc;              /* where pthread_cond_init made it (0: static initialiser) */
	const void *mutex;              /* the mutex its current waiters use */
	int nwaiters;
	unsigned gen;                   /* order_fork_gen() at that init */
	UT_hash_handle hh;
};

/* The records are striped by address, each stripe with its own lock: a condition wait takes only its
 * variable's stripe, never a process-wide lock.  Lock order: life_lock before a stripe. */
#define COND_STRIPES 64

struct cond_stripe {
	struct ilock lock;
	struct cond_rec *head;
};
static struct cond_stripe cond_stripes[COND_STRIPES];

static struct cond_stripe *stripe_of(const void *c)
{
	uintptr_t a = (uintptr_t)c;
	return &cond_stripes[((a >> 4) ^ (a >> 10)) & (COND_STRIPES - 1)];
}

static void cond_lock(const void *c) { ilock_acquire(&stripe_of(c)->lock); }
static void cond_unlock(const void *c) { ilock_release(&stripe_of(c)->lock); }

/* cond_lock(c) held. */
static struct cond_rec *cond_find(const void *c)
{
	struct cond_rec *rec;
	uintptr_t key = (uintptr_t)c;
	HASH_FIND(hh, stripe_of(c)->head, &key, sizeof key, rec);
	return rec;
}

/* cond_lock(c) held. */
static struct cond_rec *cond_get(const void *c)
{
	struct cond_rec *rec = cond_find(c);
	if (!rec) {
		rec = calloc(1, sizeof *rec);
		if (!rec)
			return NULL;
		rec->addr = (uintptr_t)c;
		HASH_ADD(hh, stripe_of(c)->head, addr, sizeof rec->addr, rec);
	}
	return rec;
}

/* cond_lock(c) held. */
static void cond_forget(const void *c)
{
	struct cond_rec *rec = cond_find(c);
	if (rec) {
		HASH_DEL(stripe_of(c)->head, rec);
		free(rec);
	}
}

void life_initialised(struct thread_rec *t, const void *obj, int kind, uintptr_t pc)
{
	(void)t;
	if (!life_maybe_destroyed(obj) && kind != LK_COND)
		return;
	ilock_acquire(&life_lock);
	struct destroyed_rec *d = destroyed_find(obj);
	if (d)
		destroyed_forget(d);
	ilock_release(&life_lock);
	if (kind == LK_COND) {
		cond_lock(obj);
		struct cond_rec *rec = cond_get(obj);
		if (rec) {
			rec->init_pc = pc;
			rec->gen = order_fork_gen();
		}
		cond_unlock(obj);
	}
}

/* ================================================================ reports: shared pieces */

static int mutex_like(int kind)
{
	return kind == LK_MUTEX || kind == LK_C11;
}

/* Start a report, with cancellation off (reports reach cancellation points) and the lock and thread
 * in it.  NULL if out of memory. */
static struct report *report_start(enum report_kind kind, int *cancel_state)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	*cancel_state = cancel_disable();
	report_init(r, kind);
	return r;
}

static void report_finish(struct report *r, int cancel_state)
{
	order_fill_lock_sites(r);
	report_emit(r);
	free(r);
	cancel_restore(cancel_state);
}

/* A condition variable in a report: its init site, which order.c's site table does not keep. */
static int report_add_cond(struct report *r, const void *c)
{
	int i = report_add_lock(r, (uintptr_t)c, lock_kind_name(LK_COND));
	cond_lock(c);
	struct cond_rec *rec = cond_find(c);
	if (rec && rec->init_pc) {
		r->locks[i].create_pc = rec->init_pc;
		r->locks[i].create_is_init = 1;
	}
	cond_unlock(c);
	return i;
}

/* What another thread is doing with a lock: identity, and where it took it or waits. */
static void other_copy(struct life_other *o, const struct thread_rec *t, uintptr_t pc, uint32_t stack)
{
	o->copy.num = t->num;
	o->copy.tid = t->tid;
	o->copy.create_stack = t->create_stack;
	o->copy.parent_num = t->parent_num;
	o->pc = pc;
	o->stack = stack;
	o->found = 1;
}

/* The live thread holding lock, per its held stack (registry locked inside). */
static void find_holder(const void *lock, struct life_other *o)
{
	memset(o, 0, sizeof *o);
	registry_lock();
	const struct held_lock *h = NULL;
	struct thread_rec *t = registry_holder_of(lock, &h);
	if (t && h)
		other_copy(o, t, h->pc, h->stack);
	registry_unlock();
}

/* Up to max threads other than self waiting on condition variable c. */
static int find_cond_waiters(const struct thread_rec *self, const void *c, struct life_other *out, int max)
{
	int n = 0;
	registry_lock();
	for (struct thread_rec *t = registry_first(); t && n < max; t = t->next) {
		if (t == self || atomic_load(&t->wait_kind) != W_COND || atomic_load(&t->wait_obj) != c)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		other_copy(&out[n], t, atomic_load(&t->wait_pc), atomic_load(&t->wait_stack));
		n++;
	}
	registry_unlock();
	return n;
}

static int report_add_other(struct report *r, const struct life_other *o)
{
	return report_add_thread(r, o->copy.num, o->copy.tid, o->copy.create_stack, o->copy.parent_num);
}

/* ================================================================ use-after-destroy */

void life_report_use(struct thread_rec *t, const void *obj, int kind, const char *call, enum life_use why,
		     int rc, uintptr_t pc)
{
	uintptr_t destroy_pc = 0;
	int destroy_thread = 0;
	if (why == LIFE_DESTROYED)
		life_was_destroyed(obj, &destroy_pc, &destroy_thread);
	int cs;
	struct report *r = report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return;
	const char *kname = lock_kind_name(kind);
	int lk = kind == LK_COND ? report_add_cond(r, obj) : report_add_lock(r, (uintptr_t)obj, kname);
	report_add_thread_rec(r, t);
	if (why == LIFE_DESTROYED)
		snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d (%s) after it was destroyed", t->num,
			 call, lk + 1, kname);
	else
		snprintf(r->summary, sizeof r->summary,
			 "T%d calls %s on L%d, memory that is not an initialised %s", t->num, call, lk + 1, kname);
	if (rc == EINVAL)
		snprintf(r->note, sizeof r->note, "the call fails with %s, as it does without the checker",
			 kind == LK_C11 ? "thrd_error" : "EINVAL");
	else if (why == LIFE_DESTROYED)
		snprintf(r->note, sizeof r->note,
			 "glibc does not stop the call on a destroyed %s; POSIX leaves its result undefined "
			 "(initialise it again first, or do not destroy it while it is in use)", kname);
	else if (kind == LK_COND)
		snprintf(r->note, sizeof r->note, "no init or use of it went through coffman, and its bytes are not "
			 "PTHREAD_COND_INITIALIZER's: POSIX leaves the result undefined (initialise it first)");
	else
		snprintf(r->note, sizeof r->note, "POSIX leaves the result undefined: initialise it first");
	report_add_stack(r, "called here", stack_capture(), 0);
	if (destroy_pc) {
		char label[96];
		snprintf(label, sizeof label, "destroyed by T%d at", destroy_thread);
		report_add_stack(r, label, 0, destroy_pc);
	}
	/* One report per destroyed object (lock and unlock of it are one bug); memory never initialised
	 * as one: per call site. */
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^
		       ((uint64_t)(why == LIFE_DESTROYED ? destroy_pc : pc) << 7) ^ (uint64_t)why;
	report_finish(r, cs);
}

/* ================================================================ re-initialisation */

/* Where an object lives, as far as re-initialisation is concerned: memory of the program's own static
 * data cannot have been freed without a destroy; the calling thread's stack holds live frames only
 * between its stack pointer and its top; anything else (heap, another thread's stack, a library's
 * data) may have been freed and reused without a destroy, which is legitimate. */
enum storage { ST_OTHER, ST_EXE_STATIC, ST_OWN_STACK };

#define EXE_RANGES_MAX 8
static struct { uintptr_t lo, hi; } exe_ranges[EXE_RANGES_MAX];
static int nexe_ranges = -1;

/* The executable's writable segments, from its program headers (no loader lock taken). */
static void exe_ranges_load(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	uintptr_t bias = 0;
	int count = 0;
	if (!ph) {
		nexe_ranges = 0;
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (uintptr_t)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; i < n && count < EXE_RANGES_MAX; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		exe_ranges[count].lo = bias + ph[i].p_vaddr;
		exe_ranges[count].hi = bias + ph[i].p_vaddr + ph[i].p_memsz;
		count++;
	}
	nexe_ranges = count;
}

static enum storage storage_of(const struct thread_rec *t, const void *obj)
{
	uintptr_t a = (uintptr_t)obj;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (t->stack_top && a >= sp && a < t->stack_top)
		return ST_OWN_STACK;
	ilock_acquire(&life_lock);
	if (nexe_ranges < 0)
		exe_ranges_load();
	ilock_release(&life_lock);
	for (int i = 0; i < nexe_ranges; i++)
		if (a >= exe_ranges[i].lo && a < exe_ranges[i].hi)
			return ST_EXE_STATIC;
	return ST_OTHER;
}

/* Both return addresses lie in the same function (symbolized: a rare path). */
static int same_function(uintptr_t a, uintptr_t b)
{
	struct frame_info fa, fb;
	symbolize_code(a, 1, &fa);
	symbolize_code(b, 1, &fb);
	return fa.func[0] && strcmp(fa.func, fb.func) == 0;
}

/* Not said here but by each caller: an idle object whose live init was made before this process was
 * forked (its parent's) is not reported.  Resetting every lock in the child is how a program recovers
 * the locks other threads of the parent held at the fork (the only thread left is the forking one), and
 * the copy is the child's own: CPython's PyOS_AfterFork_Child re-creates the GIL's mutexes and condition
 * variables in the executable's data with no destroy, in every child. */
int life_reinit_reportable(struct thread_rec *t, const void *obj, uintptr_t live_pc, uintptr_t pc)
{
	switch (storage_of(t, obj)) {
	case ST_OWN_STACK:
		/* A frame that returned and a new one in the same place look alike; two init calls in one
		 * function on one object do not. */
		return live_pc && live_pc != pc && same_function(live_pc, pc);
	case ST_EXE_STATIC:
		return 1;
	default:
		return 0;
	}
}

/* Locked (locked != 0: what the memory says): a live thread's held stack lists obj, and the memory
 * agrees.  Into *holder (found 0 if not). */
static void reinit_holder(const void *obj, pid_t locked, struct life_other *holder)
{
	holder->found = 0;
	if (locked == 0)
		return;
	find_holder(obj, holder);
	if (holder->found && locked > 0 && locked != holder->copy.tid)
		holder->found = 0;
}

static void reinit_check(struct thread_rec *t, const void *obj, int kind, uintptr_t pc,
			 const struct order_prior_init *prior, const struct life_other *holder_in, int nwaiters);

void life_before_init(struct thread_rec *t, const void *obj, int kind, uintptr_t pc, pid_t locked)
{
	struct order_prior_init prior = { 0 };
	struct life_other holder = { .found = 0 };
	int nwaiters = 0;
	if (kind == LK_COND) {
		cond_lock(obj);
		struct cond_rec *rec = cond_find(obj);
		if (rec) {
			prior.live = rec->init_pc != 0;
			prior.pc = rec->init_pc;
			prior.kind = LK_COND;
			nwaiters = rec->nwaiters;
			prior.before_fork = rec->gen != order_fork_gen();
		}
		cond_unlock(obj);
	} else {
		order_init_site_prior(obj, &prior);
		reinit_holder(obj, locked, &holder);
	}
	reinit_check(t, obj, kind, pc, &prior, &holder, nwaiters);
}

void life_init_begin(const void *obj, pid_t locked, int looks_live, struct life_init_check *c)
{
	c->on = looks_live;
	if (looks_live)
		reinit_holder(obj, locked, &c->holder);
}

void life_init_end(struct thread_rec *t, const void *obj, int kind, uintptr_t pc, struct life_init_check *c,
		   int initialised)
{
	if (!c->on)
		return;
	if (!initialised)
		order_init_site_prior(obj, &c->prior);
	reinit_check(t, obj, kind, pc, &c->prior, &c->holder, 0);
}

/* The decision and the report, from what the records said before the init (prior: the object's live
 * init, if any), who holds it (holder_in) and how many wait on it (a condition variable). */
static void reinit_check(struct thread_rec *t, const void *obj, int kind, uintptr_t pc,
			 const struct order_prior_init *prior, const struct life_other *holder_in, int nwaiters)
{
	struct life_other holder = *holder_in;
	int live = prior->live, live_kind = live ? prior->kind : kind, inherited = prior->before_fork;
	uintptr_t live_pc = prior->pc;
	int busy = holder.found || nwaiters > 0;
	if (!busy && (!live || live_kind != kind))
		return;         /* nothing known, or the memory now holds another kind of object */
	if (!busy && live && inherited)
		return;         /* a forked child resetting what its parent made: life_reinit_reportable */
	uintptr_t where = live ? live_pc : holder.pc;
	if (!(busy && storage_of(t, obj) == ST_OTHER) && !life_reinit_reportable(t, obj, where, pc))
		return;

	struct life_other waiters[6];
	int nw = nwaiters ? find_cond_waiters(t, obj, waiters, 6) : 0;
	int cs;
	struct report *r = report_start(RK_REINIT_LIVE, &cs);
	if (!r)
		return;
	const char *kname = lock_kind_name(kind);
	int lk = kind == LK_COND ? report_add_cond(r, obj) : report_add_lock(r, (uintptr_t)obj, kname);
	if (kind != LK_COND && live) {
		/* Its live init: the site record may already hold this one (life_init_end). */
		r->locks[lk].create_pc = live_pc;
		r->locks[lk].create_stack = prior->stack;
		r->locks[lk].create_is_init = 1;
	}
	report_add_thread_rec(r, t);
	if (holder.found && holder.copy.num == t->num)
		snprintf(r->summary, sizeof r->summary, "T%d initialises L%d (%s) again while it holds it locked",
			 t->num, lk + 1, kname);
	else if (holder.found)
		snprintf(r->summary, sizeof r->summary,
			 "T%d initialises L%d (%s) again while it is locked by T%d (tid %d)", t->num, lk + 1, kname,
			 holder.copy.num, (int)holder.copy.tid);
	else if (nwaiters)
		snprintf(r->summary, sizeof r->summary,
			 "T%d initialises L%d (%s) again while %d thread%s wait%s on it", t->num, lk + 1, kname,
			 nwaiters, nwaiters == 1 ? "" : "s", nwaiters == 1 ? "s" : "");
	else
		snprintf(r->summary, sizeof r->summary,
			 "T%d initialises L%d (%s) again while it is live (initialised, not destroyed)", t->num,
			 lk + 1, kname);
	if (busy)
		snprintf(r->note, sizeof r->note,
			 "the init resets it under %s: POSIX leaves this undefined; coffman now treats it as a new, "
			 "%s %s", holder.found ? "its holder" : "its waiters",
			 kind == LK_COND ? "unused" : "unlocked", kname);
	else
		snprintf(r->note, sizeof r->note,
			 "a live %s must be destroyed before it is initialised again (POSIX: undefined otherwise); "
			 "coffman now treats it as a new one", kname);
	report_add_stack(r, "initialised again here", stack_capture(), 0);
	if (holder.found) {
		char label[96];
		report_add_other(r, &holder);
		snprintf(label, sizeof label, "T%d locked it at", holder.copy.num);
		report_add_stack(r, label, holder.stack, holder.pc);
	}
	for (int i = 0; i < nw; i++) {
		char label[96];
		report_add_other(r, &waiters[i]);
		snprintf(label, sizeof label, "T%d waits on it at", waiters[i].copy.num);
		report_add_stack(r, label, waiters[i].stack, waiters[i].stack ? 0 : waiters[i].pc);
	}
	r->signature = ((uint64_t)RK_REINIT_LIVE << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7);
	report_finish(r, cs);
}

/* ================================================================ condition-variable misuse */

static void cond_misuse_header(struct report *r, const struct thread_rec *t, int c, int m, const char *how)
{
	snprintf(r->summary, sizeof r->summary, "T%d waits on L%d (condition variable) with L%d (%s) %s", t->num,
		 c + 1, m + 1, r->locks[m].kind, how);
}

void life_cond_wait_begin(struct thread_rec *t, const void *c, const void *m)
{
	const void *other_mutex = NULL;
	cond_lock(c);
	struct cond_rec *rec = cond_get(c);
	if (rec) {
		if (rec->nwaiters > 0 && rec->mutex != m)
			other_mutex = rec->mutex;
		if (rec->nwaiters == 0)
			rec->mutex = m;
		rec->nwaiters++;
	}
	cond_unlock(c);
	if (!other_mutex)
		return;

	struct life_other waiters[4];
	int nw = find_cond_waiters(t, c, waiters, 4);
	int cs;
	struct report *r = report_start(RK_COND_MISUSE, &cs);
	if (!r)
		return;
	int ci = report_add_cond(r, c);
	int mi = report_add_lock(r, (uintptr_t)m, lock_kind_name(LK_MUTEX));
	int oi = report_add_lock(r, (uintptr_t)other_mutex, lock_kind_name(LK_MUTEX));
	report_add_thread_rec(r, t);
	char how[128];
	if (nw > 0)
		snprintf(how, sizeof how, "while T%d waits on it with L%d (mutex)", waiters[0].copy.num, oi + 1);
	else
		snprintf(how, sizeof how, "while another thread waits on it with L%d (mutex)", oi + 1);
	cond_misuse_header(r, t, ci, mi, how);
	snprintf(r->note, sizeof r->note,
		 "every thread waiting on a condition variable at the same time must use the same mutex "
		 "(POSIX: undefined otherwise); a signal can wake a thread whose predicate is guarded by the "
		 "other mutex");
	report_add_stack(r, "waits here", stack_capture(), 0);
	for (int i = 0; i < nw; i++) {
		char label[96];
		report_add_other(r, &waiters[i]);
		snprintf(label, sizeof label, "T%d waits on it at", waiters[i].copy.num);
		report_add_stack(r, label, waiters[i].stack, waiters[i].stack ? 0 : waiters[i].pc);
	}
	uintptr_t lo = (uintptr_t)m < (uintptr_t)other_mutex ? (uintptr_t)m : (uintptr_t)other_mutex;
	uintptr_t hi = (uintptr_t)m ^ (uintptr_t)other_mutex ^ lo;
	r->signature = ((uint64_t)RK_COND_MISUSE << 56) ^ (uint64_t)(uintptr_t)c ^ ((uint64_t)lo << 9) ^
		       ((uint64_t)hi << 17) ^ 0x2b;
	report_finish(r, cs);
}

/* The bytes a condition variable holds before its first use: PTHREAD_COND_INITIALIZER's (all zero) or
 * an unused pthread_cond_init's (its clock and process-shared bits only, e.g. a copy of one); or
 * glibc's marks of a process-shared one (another process may have used it) or of a destroyed one
 * (reported as such elsewhere). */
static int cond_bytes_plausible(const void *c)
{
	pthread_cond_t copy;
	static const pthread_cond_t zero = PTHREAD_COND_INITIALIZER;
	memcpy(&copy, c, sizeof copy);
	if (glibc_cond_is_pshared(&copy) || glibc_cond_destroyed(&copy))
		return 1;
	copy.__data.__wrefs &= ~3u;     /* bit 0 process-shared, bit 1 monotonic clock */
	return memcmp(&copy, &zero, sizeof zero) == 0;
}

int life_cond_first_sight(struct thread_rec *t, const void *c, const char *call, uintptr_t pc)
{
	cond_lock(c);
	int seen = cond_find(c) != NULL;
	int junk = !seen && !cond_bytes_plausible(c);
	if (!seen)
		cond_get(c);    /* seen from now on */
	cond_unlock(c);
	if (junk)
		life_report_use(t, c, LK_COND, call, LIFE_UNINITIALISED, -1, pc);
	return junk;
}

void life_cond_wait_end(struct thread_rec *t, const void *c)
{
	(void)t;
	cond_lock(c);
	struct cond_rec *rec = cond_find(c);
	if (rec && rec->nwaiters > 0)
		rec->nwaiters--;        /* kept, also a statically initialised one: it has been seen */
	cond_unlock(c);
}

int life_cond_wait_unheld(struct thread_rec *t, const void *c, const void *m, pid_t owner_tid, uintptr_t pc)
{
	if (t->overflow > 0) {
		t->overflow--;          /* deeper than we track: cannot tell, say nothing */
		return 0;
	}
	if (owner_tid > 0 && owner_tid == t->tid)
		return 0;               /* ours, taken before tracking started */
	struct life_other owner;
	memset(&owner, 0, sizeof owner);
	if (owner_tid != 0) {
		find_holder(m, &owner);
		if (!owner.found && owner_tid > 0) {
			registry_lock();
			struct thread_rec *o = registry_find_tid(owner_tid);
			if (o)
				other_copy(&owner, o, 0, 0);
			registry_unlock();
		}
		if (owner.found && owner.copy.num == t->num)
			owner.found = 0;
	}
	int cs;
	struct report *r = report_start(RK_COND_MISUSE, &cs);
	if (!r)
		return 0;
	int ci = report_add_cond(r, c);
	int mi = report_add_lock(r, (uintptr_t)m, lock_kind_name(LK_MUTEX));
	report_add_thread_rec(r, t);
	char how[128];
	if (owner.found) {
		report_add_other(r, &owner);
		snprintf(how, sizeof how, "held by another thread, T%d (tid %d)", owner.copy.num, (int)owner.copy.tid);
	} else if (owner_tid > 0) {
		snprintf(how, sizeof how, "held by another thread (tid %d)", (int)owner_tid);
	} else {
		snprintf(how, sizeof how, owner_tid == 0 ? "that is not locked" : "that it does not hold");
	}
	cond_misuse_header(r, t, ci, mi, how);
	snprintf(r->note, sizeof r->note,
		 "the caller must hold the mutex: the wait unlocks it for the caller and locks it again on "
		 "return (POSIX: undefined otherwise; an error-checking mutex returns EPERM)");
	report_add_stack(r, "waits here", stack_capture(), 0);
	if (owner.found && (owner.pc || owner.stack)) {
		char label[96];
		snprintf(label, sizeof label, "T%d acquired L%d at", owner.copy.num, mi + 1);
		report_add_stack(r, label, owner.stack, owner.pc);
	}
	r->signature = ((uint64_t)RK_COND_MISUSE << 56) ^ (uint64_t)(uintptr_t)m ^ ((uint64_t)pc << 7) ^ 0x11;
	report_finish(r, cs);
	return owner.found ? owner.copy.num : 0;
}

int life_cond_wait_not_mutex(struct thread_rec *t, const void *c, const void *m, uintptr_t pc)
{
	int kind = -1;
	int idx = held_find(t, m);
	if (idx >= 0) {
		if (!mutex_like(t->held[idx].kind))
			kind = t->held[idx].kind;
	} else {
		uintptr_t site_pc;
		int site_kind;
		if (order_init_site(m, &site_pc, &site_kind) && !mutex_like(site_kind))
			kind = site_kind;
		cond_lock(m);
		struct cond_rec *rec = cond_find(m);
		if (rec && rec->init_pc)
			kind = LK_COND;
		cond_unlock(m);
	}
	if (kind < 0)
		return 0;
	int cs;
	struct report *r = report_start(RK_COND_MISUSE, &cs);
	if (!r)
		return 1;
	int ci = report_add_cond(r, c);
	int mi = kind == LK_COND ? report_add_cond(r, m) : report_add_lock(r, (uintptr_t)m, lock_kind_name(kind));
	report_add_thread_rec(r, t);
	cond_misuse_header(r, t, ci, mi, "as its mutex: it is not a mutex");
	snprintf(r->note, sizeof r->note,
		 "pthread_cond_wait treats it as a pthread_mutex_t: it unlocks and relocks bytes of another kind "
		 "of object, with undefined results");
	report_add_stack(r, "waits here", stack_capture(), 0);
	if (idx >= 0)
		report_add_stack(r, "locked at", t->held[idx].stack, t->held[idx].pc);
	r->signature = ((uint64_t)RK_COND_MISUSE << 56) ^ (uint64_t)(uintptr_t)m ^ ((uint64_t)pc << 7) ^ 0x37;
	report_finish(r, cs);
	return 1;
}

int life_cond_before_destroy(struct thread_rec *t, const void *c, uintptr_t pc)
{
	cond_lock(c);
	struct cond_rec *rec = cond_find(c);
	int n = rec ? rec->nwaiters : 0;
	cond_unlock(c);
	if (n == 0)
		return 0;
	struct life_other waiters[6];
	int nw = find_cond_waiters(t, c, waiters, 6);
	int cs;
	struct report *r = report_start(RK_COND_MISUSE, &cs);
	if (!r)
		return n;
	int ci = report_add_cond(r, c);
	report_add_thread_rec(r, t);
	if (nw == 1) {
		report_add_other(r, &waiters[0]);
		snprintf(r->summary, sizeof r->summary,
			 "T%d destroys L%d (condition variable) while T%d (tid %d) waits on it", t->num, ci + 1,
			 waiters[0].copy.num, (int)waiters[0].copy.tid);
	} else {
		snprintf(r->summary, sizeof r->summary,
			 "T%d destroys L%d (condition variable) while %d threads wait on it", t->num, ci + 1, n);
	}
	snprintf(r->note, sizeof r->note,
		 "POSIX leaves destroying a condition variable that threads wait on undefined; glibc's "
		 "pthread_cond_destroy blocks until every waiter has been woken, and hangs if none is");
	report_add_stack(r, "destroyed here", stack_capture(), 0);
	for (int i = 0; i < nw; i++) {
		char label[96];
		report_add_other(r, &waiters[i]);
		snprintf(label, sizeof label, "T%d waits on it at", waiters[i].copy.num);
		report_add_stack(r, label, waiters[i].stack, waiters[i].stack ? 0 : waiters[i].pc);
	}
	r->signature = ((uint64_t)RK_COND_MISUSE << 56) ^ (uint64_t)(uintptr_t)c ^ ((uint64_t)pc << 7) ^ 0x5d;
	report_finish(r, cs);
	return n;
}

/* ================================================================ thread exit */

/* The hold is real: the lock says it is still locked by this thread (or cannot say).  Its memory has
 * been found readable (hold_lost). */
static int hold_is_real(const struct thread_rec *t, const struct held_lock *h)
{
	if (mutex_like(h->kind)) {
		pid_t owner = glibc_mutex_owner_of(h->lock);
		return owner < 0 || owner == t->tid;
	}
	if (h->kind == LK_RWLOCK) {
		pid_t owner = glibc_rwlock_owner(h->lock);
		if (owner == 0)
			return 0;
		return (h->flags & HELD_SHARED) || owner < 0 || owner == t->tid;
	}
	return 1;
}

enum hold_loss { HOLD_KEPT = 0, HOLD_OVERWRITTEN, HOLD_UNMAPPED };

/* Whether a hold's memory still holds the lock.  A thread that holds a lock need not keep its memory:
 * the program may have freed it (a large block goes back to the kernel at once) or unmapped it while
 * it was locked, so its memory is first asked whether it can be read at all — a read that faults would
 * end the program with SIGSEGV at its exit.  Then a mutex whose owner field holds no thread id at all
 * (Linux never gives one at or above PID_MAX_LIMIT, 2^22) was overwritten — malloc keeps its own data
 * there.  Only a value no tid can be counts: an unlock by another thread, an init over the lock or a
 * fork leave a real tid or zero. */
static enum hold_loss hold_lost(const struct held_lock *h)
{
	if (!mutex_like(h->kind) && h->kind != LK_RWLOCK)
		return HOLD_KEPT;       /* spinlocks and the like are not read here; annotated locks never */
	if (!mem_readable(h->lock, h->kind == LK_RWLOCK ? sizeof(pthread_rwlock_t) : sizeof(pthread_mutex_t)))
		return HOLD_UNMAPPED;
	if (h->kind == LK_RWLOCK || glibc_mutex_is_robust(h->lock))
		return HOLD_KEPT;       /* a robust mutex says "inconsistent" (INT_MAX) after its owner died */
	int owner = __atomic_load_n(&((const pthread_mutex_t *)h->lock)->__data.__owner, __ATOMIC_RELAXED);
	return owner < 0 || owner >= (1 << 22) ? HOLD_OVERWRITTEN : HOLD_KEPT;
}

/* Report the holds of t whose memory was freed, unmapped or overwritten while locked: destroy-locked. */
static void report_lost_holds(struct thread_rec *t)
{
	for (int i = 0; i < t->nheld; i++) {
		const struct held_lock *h = &t->held[i];
		enum hold_loss loss = hold_lost(h);
		if (loss == HOLD_KEPT)
			continue;
		int cs;
		struct report *r = report_start(RK_DESTROY_LOCKED, &cs);
		if (!r)
			return;
		const char *kind = lock_kind_name(h->kind);
		int lk = report_add_lock(r, (uintptr_t)h->lock, kind);
		report_add_thread_rec(r, t);
		if (loss == HOLD_UNMAPPED)
			snprintf(r->summary, sizeof r->summary,
				 "T%d holds L%d (%s), but its memory is no longer mapped: it was freed or unmapped "
				 "while locked", t->num, lk + 1, kind);
		else
			snprintf(r->summary, sizeof r->summary,
				 "T%d holds L%d (%s), but its memory no longer holds a locked %s: it was freed or "
				 "overwritten while locked", t->num, lk + 1, kind, kind);
		snprintf(r->note, sizeof r->note,
			 "a lock's memory must not be freed or reused while it is locked (unlock, destroy, then free): "
			 "whatever lives there now is taken for the lock by the next call on it");
		report_add_stack(r, "locked at", h->stack, h->pc);
		r->signature = ((uint64_t)RK_DESTROY_LOCKED << 56) ^ (uint64_t)(uintptr_t)h->lock ^ ((uint64_t)h->pc << 7) ^ 0xf4ee;
		report_finish(r, cs);
	}
}

void life_process_exit(struct thread_rec *t)
{
	held_sync(t);
	report_lost_holds(t);
}

static const char *exit_verb(int how)
{
	switch (how) {
	case TX_RETURNED:
		return "returns from its start routine";
	case TX_PTHREAD_EXIT:
		return "exits (pthread_exit)";
	case TX_CANCELLED:
		return "is cancelled";
	case TX_CANCELLED_IN_WAIT:
		return "is cancelled in a condition wait";
	default:
		return "ends";
	}
}

void life_thread_exit(struct thread_rec *t)
{
	held_sync(t);
	report_lost_holds(t);
	int idx[REPORT_MAX_LOCKS];
	int n = 0;
	for (int i = 0; i < t->nheld && n < REPORT_MAX_LOCKS; i++) {
		const struct held_lock *h = &t->held[i];
		if (h->kind == LK_ONCE)
			continue;
		/* A lost hold was reported above, and its memory may be gone.  A robust mutex is handed to
		 * the next locker with EOWNERDEAD: no bug. */
		if (hold_lost(h) != HOLD_KEPT)
			continue;
		if (mutex_like(h->kind) && glibc_mutex_is_robust(h->lock))
			continue;
		if (!hold_is_real(t, h))
			continue;
		idx[n++] = i;
	}
	if (n == 0)
		return;
	int cs;
	struct report *r = report_start(RK_EXIT_HOLDING, &cs);
	if (!r)
		return;
	report_add_thread_rec(r, t);
	char list[200] = "";
	uint64_t sig = (uint64_t)RK_EXIT_HOLDING << 56;
	for (int k = 0; k < n; k++) {
		const struct held_lock *h = &t->held[idx[k]];
		int lk = report_add_lock(r, (uintptr_t)h->lock, lock_kind_name(h->kind));
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%sL%d (%s)", k ? ", " : "", lk + 1, lock_kind_name(h->kind));
		sig += (uint64_t)h->pc * 0x9e3779b97f4a7c15ull;
	}
	int how = t->exit_how;
	if (n == 1)
		snprintf(r->summary, sizeof r->summary, "T%d %s holding %s", t->num, exit_verb(how), list);
	else
		snprintf(r->summary, sizeof r->summary, "T%d %s holding %d locks: %s", t->num, exit_verb(how), n, list);
	snprintf(r->note, sizeof r->note,
		 "no thread can unlock %s now: the next thread to lock %s waits forever%s",
		 n == 1 ? "it" : "them", n == 1 ? "it" : "one",
		 how == TX_CANCELLED_IN_WAIT
			 ? " (a cancelled condition wait takes its mutex back before the cleanup handlers run: "
			   "push a cleanup handler that unlocks it)"
			 : "");
	for (int k = 0; k < n && r->nstacks < REPORT_MAX_STACKS - 2; k++) {
		const struct held_lock *h = &t->held[idx[k]];
		char label[96];
		if (h->depth > 1)
			snprintf(label, sizeof label, "L%d acquired (%u times) at", k + 1, (unsigned)h->depth);
		else
			snprintf(label, sizeof label, "L%d acquired at", k + 1);
		report_add_stack(r, label, h->stack, h->pc);
	}
	if ((how == TX_PTHREAD_EXIT || how == TX_CANCELLED_IN_WAIT) && t->exit_stack) {
		report_add_stack(r, how == TX_PTHREAD_EXIT ? "exits here" : "cancelled in the wait at", t->exit_stack, 0);
		sig ^= (uint64_t)t->exit_stack << 3;
	} else if (t->start_routine) {
		/* The routine's entry, given as a return address one past it: symbolized as its first line. */
		report_add_stack(r, how == TX_RETURNED ? "its start routine, which returned" : "its start routine",
				 0, t->start_routine + 1);
		sig ^= (uint64_t)t->start_routine << 3;
	}
	int by = atomic_load(&t->cancel_by);
	if ((how == TX_CANCELLED || how == TX_CANCELLED_IN_WAIT) && by) {
		char label[96];
		snprintf(label, sizeof label, "cancelled by T%d (pthread_cancel) at", by);
		report_add_stack(r, label, atomic_load(&t->cancel_stack), 0);
		registry_lock();
		struct thread_rec *o = registry_find_num(by);
		struct life_other canceller = { .found = 0 };
		if (o)
			other_copy(&canceller, o, 0, 0);
		registry_unlock();
		if (canceller.found)
			report_add_other(r, &canceller);
	}
	sig ^= (uint64_t)how << 40;
	r->signature = sig;
	report_finish(r, cs);
}

/* ================================================================ fork */

void life_lock_for_fork(void)
{
	ilock_acquire(&life_lock);
	for (int i = 0; i < COND_STRIPES; i++)
		ilock_acquire(&cond_stripes[i].lock);
}

void life_unlock_after_fork(void)
{
	for (int i = COND_STRIPES - 1; i >= 0; i--)
		ilock_release(&cond_stripes[i].lock);
	ilock_release(&life_lock);
}
/* Only the forking thread lives on, and it is not waiting: no condition variable has waiters now. */
void life_after_fork_child(void)
{
	ilock_reset(&life_lock);
	for (int i = 0; i < COND_STRIPES; i++) {
		struct cond_stripe *st = &cond_stripes[i];
		ilock_reset(&st->lock);
		struct cond_rec *rec, *tmp;
		HASH_ITER(hh, st->head, rec, tmp)
			rec->nwaiters = 0;
	}
}
