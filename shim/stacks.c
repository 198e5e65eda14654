#define UNW_LOCAL_ONLY
#include "stacks.h"
#include "ilock.h"

#include <libunwind.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
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

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t probe = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (probe >= lo && probe < hi) {
			self_lo = lo;
			self_hi = hi;
			return 1;
		}
	}
	return 0;
}

void stacks_init(void)
{
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&stacks_init);
}

void stacks_lock_for_fork(void) { ilock_acquire(&store_lock); }
void stacks_unlock_after_fork(void) { ilock_release(&store_lock); }

void stacks_after_fork_child(void)
{
	ilock_reset(&store_lock);
}

static int in_self(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

/* Captures this thread made: see stack_capture_raw. */
static __thread unsigned thread_captures __attribute__((tls_model("initial-exec")));
#define WALKS_BEFORE_TRACE_CACHE 64

/* Two ways to capture.  unw_backtrace is the fast one, but it keeps a per-thread cache that it mmaps
 * on a thread's first use and unmaps at its exit: in a program that creates thousands of short
 * threads, those mappings (and the TLB shootdowns of unmapping them) cost more than the captures.  So
 * a thread's first captures use a plain unw_step walk (process-wide caches only), and a thread that
 * keeps capturing — it is creating many edges — switches to unw_backtrace.  Either way our own frames
 * are dropped wherever they are (a program's callback can run below one of our wrappers, like the
 * init routine of pthread_once). */
static int keep_program_frames(void *const *buf, int n, uintptr_t *pcs, int max)
{
	int out = 0;
	for (int i = 0; i < n && out < max; i++)
		if (!in_self((uintptr_t)buf[i]))
			pcs[out++] = (uintptr_t)buf[i];
	return out;
}

int stack_capture_raw(uintptr_t *pcs, int max)
{
	if (++thread_captures > WALKS_BEFORE_TRACE_CACHE) {
		void *buf[STACK_MAX_FRAMES + 32];
		int want = max + 32 < (int)(sizeof buf / sizeof buf[0]) ? max + 32 : (int)(sizeof buf / sizeof buf[0]);
		return keep_program_frames(buf, unw_backtrace(buf, want), pcs, max);
	}
	unw_context_t context;
	unw_cursor_t cursor;
	if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0)
		return 0;
	int out = 0;
	for (int steps = 0; out < max && steps < max + 32; steps++) {
		unw_word_t ip = 0;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		if (!in_self((uintptr_t)ip))
			pcs[out++] = (uintptr_t)ip;
		if (unw_step(&cursor) <= 0)
			break;
	}
	return out;
}

uint32_t stack_intern(const uintptr_t *pcs, int n)
{
	if (n <= 0)
		return 0;
	size_t keylen = (size_t)n * sizeof(uintptr_t);
	struct stack_entry *e;
	uint32_t id = 0;

	ilock_acquire(&store_lock);
	HASH_FIND(hh, by_pcs, pcs, keylen, e);
	if (e) {
		id = e->id;
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
out:
	ilock_release(&store_lock);
	return id;
}

uint32_t stack_capture(void)
{
	uintptr_t pcs[STACK_MAX_FRAMES];
	int n = stack_capture_raw(pcs, STACK_MAX_FRAMES);
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
