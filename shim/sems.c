/* The semaphore and barrier records (sems.h): each object's identity and life, the records of destroyed
 * ones, and the use-after-destroy and reinit-live reports about them. */
#include "sems.h"
#include "events.h"
#include "ilock.h"
#include "lifecycle.h"
#include "order.h"
#include "report.h"
#include "stacks.h"

#include <errno.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

static struct ilock sems_lock = ILOCK_INIT;

static const char *kind_name(int kind)
{
	return kind == SK_BARRIER ? "barrier" : kind == SK_NAMED_SEM ? "named semaphore" : "semaphore";
}

/* ================================================================ live objects */

/* One per object initialised or opened through the checker, until its destroy (or last sem_close).
 * A semaphore freed without sem_destroy (glibc's sem_destroy does nothing, and programs know it) keeps
 * its record until its memory is initialised as another object: bounded by the addresses in use. */
struct sync_rec {
	uintptr_t addr;
	int kind;
	int pshared;
	unsigned count;
	unsigned opens;                 /* a named semaphore: sem_open calls not yet closed */
	uintptr_t init_pc;
	unsigned gen;                   /* order_fork_gen() at the init */
	char name[64];
	UT_hash_handle hh;
};

static struct sync_rec *records;

/* sems_lock held. */
static struct sync_rec *record_find(const void *obj)
{
	struct sync_rec *rec;
	uintptr_t key = (uintptr_t)obj;
	HASH_FIND(hh, records, &key, sizeof key, rec);
	return rec;
}

/* sems_lock held. */
static void record_drop(const void *obj)
{
	struct sync_rec *rec = record_find(obj);
	if (rec) {
		HASH_DEL(records, rec);
		free(rec);
	}
}

/* ================================================================ destroyed objects */

_Atomic uintptr_t sems_dead[SEMS_DEAD_BUCKETS][SEMS_DEAD_WAYS];

/* Beside each slot of sems_dead, under sems_lock: how the object died. */
struct dead_info {
	int kind;
	int closed;                     /* the last sem_close of a named semaphore (its memory is unmapped) */
	int thread;                     /* who destroyed it */
	uint32_t stack;                 /* where */
	uintptr_t pc;
	uintptr_t init_pc;
	uint64_t bytes;                 /* hash of its bytes just after the destroy; 0: not kept */
	uint64_t seq;                   /* the oldest slot of a full bucket is reused */
	char name[64];
};

static struct dead_info dead_info[SEMS_DEAD_BUCKETS][SEMS_DEAD_WAYS];
static uint64_t dead_seq;

static uint64_t bytes_hash(const void *obj, size_t size)
{
	const unsigned char *p = obj;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h | 1;           /* never 0: 0 means "no snapshot" */
}

/* sems_lock held: the slot holding obj, -1 if none. */
static int dead_slot(const void *obj)
{
	unsigned b = sems_bucket(obj);
	for (int i = 0; i < SEMS_DEAD_WAYS; i++)
		if (atomic_load_explicit(&sems_dead[b][i], memory_order_relaxed) == (uintptr_t)obj)
			return i;
	return -1;
}

/* sems_lock held. */
static void dead_forget(const void *obj)
{
	int i = dead_slot(obj);
	if (i >= 0)
		atomic_store_explicit(&sems_dead[sems_bucket(obj)][i], 0, memory_order_relaxed);
}

/* sems_lock held: the slot for obj (its own, a free one, or the oldest of its bucket). */
static struct dead_info *dead_add(const void *obj)
{
	unsigned b = sems_bucket(obj);
	int slot = dead_slot(obj);
	for (int i = 0; slot < 0 && i < SEMS_DEAD_WAYS; i++)
		if (!atomic_load_explicit(&sems_dead[b][i], memory_order_relaxed))
			slot = i;
	if (slot < 0) {
		slot = 0;
		for (int i = 1; i < SEMS_DEAD_WAYS; i++)
			if (dead_info[b][i].seq < dead_info[b][slot].seq)
				slot = i;
	}
	struct dead_info *d = &dead_info[b][slot];
	memset(d, 0, sizeof *d);
	d->seq = ++dead_seq;
	atomic_store_explicit(&sems_dead[b][slot], (uintptr_t)obj, memory_order_release);
	return d;
}

/* ================================================================ reports */

/* A thread waiting on the object, copied out of the registry. */
struct waiter {
	int num;
	pid_t tid;
	uint32_t create_stack;
	int parent_num;
	uintptr_t pc;
	uint32_t stack;
};

/* Up to max threads other than self that wait on obj now (a published semaphore or barrier wait). */
static int find_waiters(const struct thread_rec *self, const void *obj, int kind, struct waiter *out, int max)
{
	int wait_kind = kind == SK_BARRIER ? W_BARRIER : W_SEM;
	int n = 0;
	registry_lock();
	for (struct thread_rec *t = registry_first(); t && n < max; t = t->next) {
		if (t == self || atomic_load(&t->wait_kind) != wait_kind || atomic_load(&t->wait_obj) != obj)
			continue;
		out[n].num = t->num;
		out[n].tid = t->tid;
		out[n].create_stack = t->create_stack;
		out[n].parent_num = t->parent_num;
		out[n].pc = atomic_load(&t->wait_pc);
		out[n].stack = atomic_load(&t->wait_stack);
		n++;
	}
	registry_unlock();
	return n;
}

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
	report_emit(r);
	free(r);
	cancel_restore(cancel_state);
}

/* The object as a report's "lock" entry, with where it was initialised. */
static int report_add_object(struct report *r, const void *obj, int kind, uintptr_t init_pc)
{
	int i = report_add_lock(r, (uintptr_t)obj, kind == SK_BARRIER ? "barrier" : "semaphore");
	if (init_pc) {
		r->locks[i].create_pc = init_pc;
		r->locks[i].create_is_init = 1;
	}
	return i;
}

/* "L1 (semaphore)", "L1 (named semaphore '/jobs')" */
static void object_text(int lk, int kind, const char *name, char *buf, size_t len)
{
	if (name && name[0])
		snprintf(buf, len, "L%d (%s '%.64s')", lk + 1, kind_name(kind), name);
	else
		snprintf(buf, len, "L%d (%s)", lk + 1, kind_name(kind));
}

/* Report the waiters' threads and where each waits. */
static void add_waiters(struct report *r, const struct waiter *w, int n)
{
	for (int i = 0; i < n; i++) {
		char label[96];
		report_add_thread(r, w[i].num, w[i].tid, w[i].create_stack, w[i].parent_num);
		snprintf(label, sizeof label, "T%d waits on it at", w[i].num);
		report_add_stack(r, label, w[i].stack, w[i].pc);
	}
}

static void waiters_text(const struct waiter *w, int n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++) {
		snprintf(buf + used, len - used, "%sT%d (tid %d)", i == 0 ? "" : i + 1 == n ? " and " : ", ", w[i].num,
			 (int)w[i].tid);
		used = strlen(buf);
	}
}

void sems_check_use(struct thread_rec *t, const void *obj, const char *call, uintptr_t pc)
{
	(void)pc;
	struct dead_info d;
	int found = 0;
	ilock_acquire(&sems_lock);
	int i = dead_slot(obj);
	if (i >= 0) {
		d = dead_info[sems_bucket(obj)][i];
		/* New data in the memory since the destroy: not the object we saw die. */
		size_t size = d.kind == SK_BARRIER ? sizeof(pthread_barrier_t) : sizeof(sem_t);
		if (d.bytes && bytes_hash(obj, size) != d.bytes)
			dead_forget(obj);
		else
			found = 1;
	}
	ilock_release(&sems_lock);
	if (!found)
		return;
	int cs;
	struct report *r = report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return;
	char what[128];
	int lk = report_add_object(r, obj, d.kind, d.init_pc);
	object_text(lk, d.kind, d.name, what, sizeof what);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d calls %s on %s after %s", t->num, call, what,
		 d.closed ? "its last sem_close" : "it was destroyed");
	if (d.closed)
		snprintf(r->note, sizeof r->note,
			 "the last sem_close unmapped the semaphore: the call uses memory that is no longer one "
			 "(open it again with sem_open first)");
	else if (d.kind == SK_BARRIER)
		snprintf(r->note, sizeof r->note,
			 "POSIX leaves a wait on a destroyed barrier undefined (initialise it again first)");
	else
		snprintf(r->note, sizeof r->note,
			 "glibc's sem_destroy leaves the semaphore as it was, so the call goes through; POSIX "
			 "leaves its result undefined (initialise it again first, or destroy it only when nobody "
			 "uses it any more)");
	report_add_stack(r, "called here", stack_capture(), 0);
	char label[96];
	snprintf(label, sizeof label, "%s by T%d at", d.closed ? "closed" : "destroyed", d.thread);
	report_add_stack(r, label, d.stack, d.pc);
	/* One report per death of the object: a post and a wait on it are one bug. */
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)d.pc << 7) ^ 0x5e3;
	report_finish(r, cs);
}

#define WAITERS_SHOWN 8

static void report_reinit_idle(struct thread_rec *t, const void *obj, int kind, uintptr_t init_pc, uintptr_t pc)
{
	int cs;
	struct report *r = report_start(RK_REINIT_LIVE, &cs);
	if (!r)
		return;
	char what[128];
	int lk = report_add_object(r, obj, kind, init_pc);
	object_text(lk, kind, NULL, what, sizeof what);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d initialises %.100s again while it is live (initialised, not destroyed)",
		 t->num, what);
	snprintf(r->note, sizeof r->note, "a live %s must be destroyed before it is initialised again (POSIX: undefined "
		 "otherwise)", kind_name(kind));
	report_add_stack(r, "initialised again here", stack_capture(), 0);
	r->signature = ((uint64_t)RK_REINIT_LIVE << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0x1d5e3;
	report_finish(r, cs);
}

void sems_report_never_initialised(struct thread_rec *t, const void *obj, int kind, const char *call, uintptr_t pc)
{
	(void)pc;       /* one report per object, wherever it is used */
	int cs;
	struct report *r = report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return;
	int lk = report_add_object(r, obj, kind, 0);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d, memory that is not an initialised %s", t->num, call,
		 lk + 1, kind_name(kind));
	snprintf(r->note, sizeof r->note, "%s was never called on it (its bytes are not what an init writes): "
		 "POSIX leaves the result undefined", kind == SK_BARRIER ? "pthread_barrier_init" : "sem_init");
	report_add_stack(r, "called here", stack_capture(), 0);
	/* One report per object. */
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ 0x2e5e3;
	report_finish(r, cs);
}


void sems_before_init(struct thread_rec *t, const void *obj, int kind, uintptr_t pc)
{
	struct waiter w[WAITERS_SHOWN];
	int n = find_waiters(t, obj, kind, w, WAITERS_SHOWN);
	struct sync_info info;
	sems_lookup(obj, &info);
	if (n == 0) {
		/* Nobody waits: a live object initialised again where its memory cannot have been freed and
		 * reused is still a bug (POSIX: undefined).  On the heap it may well have been: glibc
		 * programs commonly free a semaphore without sem_destroy, which does nothing. */
		if (info.known && info.kind == kind && kind != SK_NAMED_SEM && !info.before_fork &&
		    life_reinit_reportable(t, obj, info.init_pc, pc))
			report_reinit_idle(t, obj, kind, info.init_pc, pc);
		return;
	}
	int cs;
	struct report *r = report_start(RK_REINIT_LIVE, &cs);
	if (!r)
		return;
	char what[128], who[160];
	int lk = report_add_object(r, obj, kind, info.known ? info.init_pc : 0);
	object_text(lk, kind, NULL, what, sizeof what);
	report_add_thread_rec(r, t);
	waiters_text(w, n, who, sizeof who);
	snprintf(r->summary, sizeof r->summary, "T%d initialises %.100s again while %.100s %s on it", t->num, what,
		 who, n == 1 ? "waits" : "wait");
	if (kind == SK_BARRIER)
		snprintf(r->note, sizeof r->note,
			 "the new barrier starts a round of its own: the threads already in the old one are never "
			 "counted, and may wait forever");
	else
		snprintf(r->note, sizeof r->note,
			 "sem_init resets the count and glibc's count of waiters: a post may then wake nobody, and "
			 "the waiters sleep on");
	report_add_stack(r, "initialised again here", stack_capture(), 0);
	add_waiters(r, w, n);
	r->signature = ((uint64_t)RK_REINIT_LIVE << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0x5e3;
	report_finish(r, cs);
}

void sems_initialised(const void *obj, int kind, int pshared, unsigned count, const char *name, uintptr_t pc)
{
	ilock_acquire(&sems_lock);
	dead_forget(obj);
	struct sync_rec *rec = record_find(obj);
	/* sem_open of a name this process has open returns the same semaphore: one more open of it. */
	if (rec && kind == SK_NAMED_SEM && rec->kind == SK_NAMED_SEM && name && strcmp(rec->name, name) == 0) {
		rec->opens++;
		ilock_release(&sems_lock);
		return;
	}
	if (!rec) {
		rec = calloc(1, sizeof *rec);
		if (!rec) {
			ilock_release(&sems_lock);
			return;
		}
		rec->addr = (uintptr_t)obj;
		HASH_ADD(hh, records, addr, sizeof rec->addr, rec);
	}
	rec->kind = kind;
	rec->pshared = pshared || kind == SK_NAMED_SEM;
	rec->count = count;
	rec->opens = kind == SK_NAMED_SEM ? 1 : 0;
	rec->init_pc = pc;
	rec->gen = order_fork_gen();
	snprintf(rec->name, sizeof rec->name, "%s", name ? name : "");
	ilock_release(&sems_lock);
}

void sems_init_failed(struct thread_rec *t, const void *obj, int kind, unsigned value, int err, uintptr_t pc)
{
	int cs;
	struct report *r = report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return;
	const char *call = kind == SK_BARRIER ? "pthread_barrier_init" : "sem_init";
	int lk = report_add_object(r, obj, kind, 0);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d, which fails with %s: L%d is not an initialised %s",
		 t->num, call, lk + 1, err == EINVAL ? "EINVAL" : strerror(err), lk + 1, kind_name(kind));
	if (err == EINVAL && kind == SK_BARRIER && value == 0)
		snprintf(r->note, sizeof r->note, "a barrier's count must be at least 1; every wait on L%d uses memory "
			 "that is not a barrier, which POSIX leaves undefined", lk + 1);
	else if (err == EINVAL && kind != SK_BARRIER)
		snprintf(r->note, sizeof r->note, "the initial value %u is above SEM_VALUE_MAX (%d); every sem_wait or "
			 "sem_post on L%d uses memory that is not a semaphore, which POSIX leaves undefined", value,
			 SEM_VALUE_MAX, lk + 1);
	else
		snprintf(r->note, sizeof r->note, "every use of L%d is a use of memory that is not an initialised %s, "
			 "which POSIX leaves undefined", lk + 1, kind_name(kind));
	report_add_stack(r, "called here", stack_capture(), 0);
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0x1f5e3;
	report_finish(r, cs);
}

int sems_before_destroy(struct thread_rec *t, const void *obj, int kind, uintptr_t pc)
{
	(void)pc;
	struct sync_info info;
	if (kind == SK_NAMED_SEM) {
		/* Only the last sem_close of a name ends the semaphore (glibc counts the opens). */
		ilock_acquire(&sems_lock);
		struct sync_rec *rec = record_find(obj);
		int last = !rec || rec->kind != SK_NAMED_SEM || rec->opens <= 1;
		if (!last)
			rec->opens--;
		ilock_release(&sems_lock);
		if (!last)
			return 0;
	}
	struct waiter w[WAITERS_SHOWN];
	int n = find_waiters(t, obj, kind, w, WAITERS_SHOWN);
	if (n == 0)
		return 1;
	sems_lookup(obj, &info);
	int cs;
	struct report *r = report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return 1;
	char what[128], who[160];
	int lk = report_add_object(r, obj, kind, info.known ? info.init_pc : 0);
	object_text(lk, kind, info.known ? info.name : NULL, what, sizeof what);
	report_add_thread_rec(r, t);
	waiters_text(w, n, who, sizeof who);
	snprintf(r->summary, sizeof r->summary, "T%d %s %.100s while %.100s %s on it", t->num,
		 kind == SK_NAMED_SEM ? "closes (for the last time)" : "destroys", what, who, n == 1 ? "waits" : "wait");
	if (kind == SK_BARRIER)
		snprintf(r->note, sizeof r->note,
			 "POSIX leaves destroying a barrier that threads wait on undefined; glibc's "
			 "pthread_barrier_destroy waits for them to leave it, for ever if their round cannot complete");
	else if (kind == SK_NAMED_SEM)
		snprintf(r->note, sizeof r->note,
			 "the last sem_close unmaps the semaphore under its waiters, which then use memory that is "
			 "no longer a semaphore");
	else
		snprintf(r->note, sizeof r->note,
			 "the waiters are left in a wait on a destroyed semaphore, which POSIX leaves undefined; "
			 "glibc's sem_destroy does nothing, so they sleep until a post a correct program no longer makes");
	report_add_stack(r, kind == SK_NAMED_SEM ? "closed here" : "destroyed here", stack_capture(), 0);
	add_waiters(r, w, n);
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0xd5e3;
	report_finish(r, cs);
	return 1;
}

void sems_destroyed(struct thread_rec *t, const void *obj, int kind, size_t size, uintptr_t pc)
{
	uint32_t stack = stack_capture();       /* outside the lock: capture takes the stack store's */
	ilock_acquire(&sems_lock);
	struct sync_rec *rec = record_find(obj);
	struct dead_info *d = dead_add(obj);
	d->kind = kind;
	d->closed = kind == SK_NAMED_SEM;
	d->thread = t->num;
	d->stack = stack;
	d->pc = pc;
	d->bytes = size ? bytes_hash(obj, size) : 0;
	if (rec) {
		d->init_pc = rec->init_pc;
		snprintf(d->name, sizeof d->name, "%s", rec->name);
	}
	record_drop(obj);
	ilock_release(&sems_lock);
}

/* ================================================================ queries */

void sems_lookup(const void *obj, struct sync_info *out)
{
	memset(out, 0, sizeof *out);
	ilock_acquire(&sems_lock);
	struct sync_rec *rec = record_find(obj);
	if (rec) {
		out->known = 1;
		out->kind = rec->kind;
		out->pshared = rec->pshared;
		out->count = rec->count;
		out->init_pc = rec->init_pc;
		out->before_fork = rec->gen != order_fork_gen();
		snprintf(out->name, sizeof out->name, "%s", rec->name);
	}
	ilock_release(&sems_lock);
}

int sems_pshared_or_unknown(const void *obj)
{
	struct sync_info info;
	sems_lookup(obj, &info);
	return !info.known || info.pshared;
}

void sems_lock_for_fork(void)
{
	ilock_acquire(&sems_lock);
}

void sems_unlock_after_fork(void)
{
	ilock_release(&sems_lock);
}

/* The child has only the forking thread: nobody waits on anything, the records stay true. */
void sems_after_fork_child(void)
{
	ilock_reset(&sems_lock);
}
