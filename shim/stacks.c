/* The stack store (stacks.h): capture through libcoffman-deps.so, libcoffman's own frames dropped,
 * identical stacks interned once under a 32-bit id, and the fork handlers of the store's lock. */
#include "stacks.h"
#include "sigdefer.h"
#include "deps.h"
#include "ilock.h"
#include "text_range.h"
#include "threads.h"

#include <link.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* A stack is a whole number of 8-byte return addresses: one multiply-xorshift step per frame instead
 * of Jenkins' byte-wise mixing (a new lock-order edge interns its stack every time, found or not). */
static inline unsigned stack_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	for (size_t i = 0; i + sizeof(uint64_t) <= len; i += sizeof(uint64_t)) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (unsigned)h;
}
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = stack_hash((keyptr), (keylen)))
#include <uthash.h>

struct stack_entry {
	uint32_t id;
	int n;
	UT_hash_handle hh;
	uintptr_t pcs[];        /* the key */
};

static struct ilock store_lock = ILOCK_INIT;
static struct stack_entry *by_pcs;
static struct stack_entry **by_id;      /* by_id[id - 1] */
static uint32_t count, cap;

/* The address range of libcoffman's own code, to drop our frames from captured stacks. */
static uintptr_t self_lo, self_hi;

void stacks_init(void)
{
	struct text_range r = { (uintptr_t)&stacks_init, 0, 0 };
	dl_iterate_phdr(text_range_find, &r);
	self_lo = r.lo;
	self_hi = r.hi;
}

int stacks_pc_is_own(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

void stacks_objects_unloaded(void)
{
	const struct deps_api *api = deps_api;
	if (api)
		api->unwind_objects_unloaded();
}

/* Captures in flight, so that fork() can wait for them: the child must not inherit libunwind's
 * internal locks held by a thread that no longer exists there.  While a fork is pending, new captures
 * return no frames rather than wait (the forking thread holds our other locks). */
static atomic_int captures_in_flight;
static atomic_int fork_pending;

/* A capture takes well under a millisecond; a second is a thread stopped inside one (by a debugger,
 * say): fork anyway rather than hang the program. */
/* The deps library's thread set-up walks the loader's object list under the loader's lock (deps.c):
 * as a capture, it must not overlap a fork, whose child would inherit that lock held and hang at its
 * first walk of the list (a rule read, a libunwind miss, its own watchdog's set-up).  It waits for a
 * pending fork to end instead of giving up. */
void stacks_deps_enter(void)
{
	for (;;) {
		atomic_fetch_add(&captures_in_flight, 1);
		if (!atomic_load(&fork_pending)) {
			sigdefer_enter();
			return;
		}
		atomic_fetch_sub(&captures_in_flight, 1);
		while (atomic_load(&fork_pending))
			usleep(100);
	}
}

void stacks_deps_leave(void)
{
	atomic_fetch_sub(&captures_in_flight, 1);
	sigdefer_leave();
}

void stacks_lock_for_fork(void)
{
	atomic_store(&fork_pending, 1);
	for (int i = 0; i < 100000 && atomic_load(&captures_in_flight) > 0; i++)
		usleep(10);
	ilock_acquire(&store_lock);
}

void stacks_unlock_after_fork(void)
{
	ilock_release(&store_lock);
	atomic_store(&fork_pending, 0);
}

void stacks_after_fork_child(void)
{
	ilock_reset(&store_lock);
	atomic_store(&captures_in_flight, 0);
	atomic_store(&fork_pending, 0);
}

static int in_self(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

static int keep_program_frames(uintptr_t *pcs, int n)
{
	int out = 0;
	for (int i = 0; i < n; i++)
		if (!in_self(pcs[i]))
			pcs[out++] = pcs[i];
	return out;
}

/* The unwinding itself happens in libcoffman-deps.so (deps_unwind.c), signals left as they are: a
 * handler that interrupts a capture and captures too is served there without waiting for its own
 * thread.  Our own frames are dropped wherever they are (a program's callback can run below one of our
 * wrappers, like the init routine of pthread_once). */
static int capture_raw(const struct unwind_context *ctx, uintptr_t *pcs, int max)
{
	const struct deps_api *api = deps_now();
	if (!api || max <= 0)
		return 0;
	atomic_fetch_add(&captures_in_flight, 1);
	sigdefer_enter();
	int n = 0;
	if (!atomic_load(&fork_pending)) {
		/* Room for coffman's own frames, which are dropped: from a wrapper's saved context, only
		 * the wrapper's own frame (a walk stopped early costs less: an init's caller needs 2). */
		uintptr_t buf[STACK_MAX_FRAMES + 32];
		int slack = ctx ? 4 : 32;
		int want = max + slack < (int)(sizeof buf / sizeof buf[0]) ? max + slack : (int)(sizeof buf / sizeof buf[0]);
		/* Cancellation is off inside the capture only where it reaches a cancellation point
		 * (libunwind's validation pipe, libdw reading an object: deps_host.setcancelstate). */
		n = keep_program_frames(buf, ctx ? api->capture_from(ctx, buf, want) : api->capture(buf, want));
		if (n > max)
			n = max;
		memcpy(pcs, buf, (size_t)n * sizeof *pcs);
	}
	atomic_fetch_sub(&captures_in_flight, 1);
	sigdefer_leave();
	return n;
}

int stack_capture_raw(uintptr_t *pcs, int max)
{
	return capture_raw(NULL, pcs, max);
}

int stack_capture_raw_from(const struct unwind_context *ctx, uintptr_t *pcs, int max)
{
	return capture_raw(ctx, pcs, max);
}

/* The stacks this thread interned last.  A thread making new edges captures the same few stacks over
 * and over (a loop taking lock i, then lock i + 1: two stacks, 200k times each in bench/pairs), and
 * each lookup in the store took its lock and a hash-chain walk.  An entry is never freed or changed
 * once published, so comparing against it needs no lock; a slot is one pointer, written whole, so a
 * signal handler interning meanwhile reads either the old entry or the new one. */
#define RECENT_STACKS 2
static __thread const struct stack_entry *tls_recent[RECENT_STACKS] __attribute__((tls_model("initial-exec")));
static __thread unsigned tls_recent_next __attribute__((tls_model("initial-exec")));

static const struct stack_entry *recent_find(const uintptr_t *pcs, int n)
{
	for (int i = 0; i < RECENT_STACKS; i++) {
		const struct stack_entry *e = tls_recent[i];
		if (e && e->n == n && memcmp(e->pcs, pcs, (size_t)n * sizeof *pcs) == 0)
			return e;
	}
	return NULL;
}

static void recent_note(const struct stack_entry *e)
{
	unsigned i = tls_recent_next;
	tls_recent[i % RECENT_STACKS] = e;
	tls_recent_next = i + 1;
}

uint32_t stack_intern(const uintptr_t *pcs, int n)
{
	if (n <= 0)
		return 0;
	const struct stack_entry *recent = recent_find(pcs, n);
	if (recent)
		return recent->id;
	size_t keylen = (size_t)n * sizeof(uintptr_t);
	struct stack_entry *e;
	uint32_t id = 0;

	ilock_acquire(&store_lock);
	HASH_FIND(hh, by_pcs, pcs, keylen, e);
	if (e) {
		id = e->id;
		recent_note(e);
		goto out;
	}
	if (count == cap) {
		uint32_t ncap = cap ? cap * 2 : 256;
		struct stack_entry **p = realloc(by_id, ncap * sizeof *p);
		if (!p)
			goto out;
		by_id = p;
		cap = ncap;
	}
	e = malloc(sizeof *e + keylen);
	if (!e)
		goto out;
	e->n = n;
	memcpy(e->pcs, pcs, keylen);
	e->id = ++count;
	by_id[e->id - 1] = e;
	HASH_ADD_KEYPTR(hh, by_pcs, e->pcs, keylen, e);
	id = e->id;
	recent_note(e);
out:
	ilock_release(&store_lock);
	return id;
}

uint32_t stack_capture(void)
{
	uintptr_t pcs[STACK_MAX_FRAMES];
	int n = capture_raw(NULL, pcs, STACK_MAX_FRAMES);
	return stack_intern(pcs, n);
}

uint32_t stack_capture_from(const struct unwind_context *ctx)
{
	uintptr_t pcs[STACK_MAX_FRAMES];
	int n = capture_raw(ctx, pcs, STACK_MAX_FRAMES);
	return stack_intern(pcs, n);
}

int stack_frames(uint32_t id, const uintptr_t **pcs)
{
	int n = 0;
	*pcs = NULL;
	ilock_acquire(&store_lock);
	if (id >= 1 && id <= count) {
		*pcs = by_id[id - 1]->pcs;
		n = by_id[id - 1]->n;
	}
	ilock_release(&store_lock);
	return n;
}
