/* Stack capture, inside libcoffman-deps.so (deps_api.h): a cached walk, with libunwind for the frames
 * it does not know how to step.
 *
 * Most frames on x86-64 unwind by the same few rules — CFA is rsp or rbp plus an offset, the return
 * address sits at CFA - 8, some of rbx, rbp, r12-r15 are saved next to it.  The rule of each code
 * address is read once from the object's CFI by libdw and kept in one process-wide table
 * (deps_unwind_rules.c); after that a frame costs a table probe and two or three loads, where a
 * libunwind step costs ~200 ns (it copies its register state twice per step).  A frame whose rule is
 * anything else — a signal trampoline, a DWARF expression, code without CFI or outside every object,
 * a CFA that does not move up the stack — is stepped by libunwind itself, from the registers the walk
 * has recovered so far, so a stack is never worse than libunwind's.  COFFMAN_UNWIND_CHECK=<file>
 * (for developers) walks every capture both ways and logs any difference to the file.
 *
 * The walk reads only stack memory proven mapped: below the thread's descriptor (its stack top) or
 * the main thread's first stack pointer, in a stretch of pages the kernel has read (deps_readable), remembered per
 * thread (deps_api.h struct unwind_thread) so that the kernel is asked once per thread and stack (a
 * stack the program unmaps while its thread lives, a coroutine's, could leave a stale stretch: it is
 * only read where the rules lead, and only while the thread's stack pointer is inside it).  With the
 * rules cached: no allocation, no lock, no system call, safe in the watchdog's signal handler.  A rule
 * not yet cached is read with libdw (file reads, this namespace's malloc) under the table's spinlock,
 * taken without waiting and never from inside libdw's own users (deps_unwind_rules.c).  No signal
 * masking either: libunwind runs without its per-frame signal masking
 * (deps_ns.c): a capture that starts while this thread holds one of its locks or the rule table's (a
 * signal handler interrupted a capture inside one) gets no frames rather than wait for itself; its
 * caller falls back to the single return address it has.  This library's and libunwind's frames are
 * dropped here; libcoffman drops its own (stacks.c).
 */
#define UNW_LOCAL_ONLY
#include "deps_ns.h"
#include "raw_signals.h"
#include "text_range.h"

#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

/* The code of this library and of libunwind: frames of the capture itself. */
static struct text_range own[2];

static int is_own(uintptr_t pc)
{
	for (unsigned i = 0; i < sizeof own / sizeof own[0]; i++)
		if (pc >= own[i].lo && pc < own[i].hi)
			return 1;
	return 0;
}

_Static_assert(sizeof(unw_context_t) <= sizeof(struct unwind_context), "struct unwind_context too small");
_Static_assert(_Alignof(unw_context_t) <= 16, "struct unwind_context under-aligned");

/* ------------------------------------------------------------------ saving a wrapper's registers */

#if defined(__x86_64__)
/* libunwind's x86-64 unw_getcontext minus its fnstenv and stmxcsr: the x87 environment store is
 * microcoded and waits for every x87 and SSE operation in flight, and it was 7% of a first-seen lock
 * (`pairs`: 74% of getcontext's samples on the instruction after it).  Nothing here reads the
 * floating-point state: the cached walk reads gregs only, and libunwind's step (step_by_libunwind,
 * walk_libunwind) reads general registers, never the FP environment (only unw_resume and
 * unw_get_fpreg would, and neither is used).  The area is zeroed instead, and its pointer set as
 * libunwind sets it, so a context is the same shape.  Offsets are libunwind's (its ucontext_i.h),
 * checked against glibc's ucontext_t below.  A leaf that never moves rsp: the default CFI is right. */
__asm__(".text\n"
	".p2align 4\n"
	".globl deps_getcontext_nofp\n"
	".hidden deps_getcontext_nofp\n"
	".type deps_getcontext_nofp, @function\n"
	"deps_getcontext_nofp:\n"
	".cfi_startproc\n"
	"movq %r12, 0x48(%rdi)\n"
	"movq %r13, 0x50(%rdi)\n"
	"movq %r14, 0x58(%rdi)\n"
	"movq %r15, 0x60(%rdi)\n"
	"movq %rbp, 0x78(%rdi)\n"
	"movq %rbx, 0x80(%rdi)\n"
	"movq %r8, 0x28(%rdi)\n"
	"movq %r9, 0x30(%rdi)\n"
	"movq %rdi, 0x68(%rdi)\n"
	"movq %rsi, 0x70(%rdi)\n"
	"movq %rdx, 0x88(%rdi)\n"
	"movq %rax, 0x90(%rdi)\n"
	"movq %rcx, 0x98(%rdi)\n"
	"leaq 0xe0(%rdi), %r8\n"
	"movq %r8, 0x1a8(%rdi)\n"
	"xorl %eax, %eax\n"
	"movq %rax, 0x00(%r8)\n"
	"movq %rax, 0x08(%r8)\n"
	"movq %rax, 0x10(%r8)\n"
	"movq %rax, 0x18(%r8)\n"
	"leaq 8(%rsp), %rax\n"
	"movq %rax, 0xa0(%rdi)\n"
	"movq (%rsp), %rax\n"
	"movq %rax, 0xa8(%rdi)\n"
	"xorl %eax, %eax\n"
	"ret\n"
	".cfi_endproc\n"
	".size deps_getcontext_nofp, .-deps_getcontext_nofp\n");

#define GREG_AT(r) (offsetof(ucontext_t, uc_mcontext.gregs) + 8 * (r))
_Static_assert(GREG_AT(REG_R8) == 0x28 && GREG_AT(REG_R9) == 0x30 && GREG_AT(REG_R12) == 0x48 &&
	       GREG_AT(REG_R13) == 0x50 && GREG_AT(REG_R14) == 0x58 && GREG_AT(REG_R15) == 0x60 &&
	       GREG_AT(REG_RDI) == 0x68 && GREG_AT(REG_RSI) == 0x70 && GREG_AT(REG_RBP) == 0x78 &&
	       GREG_AT(REG_RBX) == 0x80 && GREG_AT(REG_RDX) == 0x88 && GREG_AT(REG_RAX) == 0x90 &&
	       GREG_AT(REG_RCX) == 0x98 && GREG_AT(REG_RSP) == 0xa0 && GREG_AT(REG_RIP) == 0xa8,
	       "the register offsets deps_getcontext_nofp stores at are ucontext_t's");
_Static_assert(sizeof(unw_context_t) >= 0x1b0, "deps_getcontext_nofp writes up to 0x1b0");
#endif

/* ------------------------------------------------------------------ libunwind, set up at its first use */

/* The global cache of unwind rules holds 128 call sites by default: a program's lock sites and their
 * callers overflow it, and a miss costs a search of every module's unwind table.  4096 entries keep
 * them all; it serves the frames the cached walk hands to libunwind.  Sizing it touches a few hundred
 * KB (0.07-0.1 ms of page faults), so it is done before the first frame libunwind steps, not at load:
 * a process whose stacks the cached walk covers, or that never captures one, never pays for it
 * (bench/README.md, start-up).  libunwind's own first-use set-up (its validation pipe, tdep_init) is
 * thread-safe and lazy by itself.  No deadlock: the sizing takes only libunwind's own locks and maps
 * memory; a signal handler interrupting it on the same thread sees the unwinder busy (deps_ns.c) and
 * captures nothing, and fork waits for captures in flight (stacks.c), so a child never finds it half
 * done. */
static atomic_int libunwind_state;     /* 0 not sized yet, 1 being sized, 2 ready */

static void libunwind_prepare(void)
{
	if (atomic_load_explicit(&libunwind_state, memory_order_acquire) == 2)
		return;
	int *locks = &deps_unwind_thread()->locks;
	++*locks;
	atomic_signal_fence(memory_order_seq_cst);
	int expected = 0;
	if (atomic_compare_exchange_strong(&libunwind_state, &expected, 1)) {
		unw_set_cache_size(unw_local_addr_space, 4096, 0);
		atomic_store_explicit(&libunwind_state, 2, memory_order_release);
	}
	atomic_signal_fence(memory_order_seq_cst);
	--*locks;
	while (atomic_load_explicit(&libunwind_state, memory_order_acquire) != 2)
		sched_yield();          /* another thread is sizing it: microseconds */
}

/* ------------------------------------------------------------------ the plain libunwind walk */

static __attribute__((noinline)) int walk_libunwind(unw_context_t *context, uintptr_t *pcs, int max)
{
	libunwind_prepare();
	unw_cursor_t cursor;
	if (unw_init_local(&cursor, context) != 0)
		return 0;
	int out = 0;
	for (int steps = 0; out < max && steps < max + 32; steps++) {
		unw_word_t ip = 0;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		if (!is_own((uintptr_t)ip))
			pcs[out++] = (uintptr_t)ip;
		if (unw_step(&cursor) <= 0)
			break;
	}
	return out;
}

/* ------------------------------------------------------------------ the cached walk */

#define REG_COUNT 17            /* x86-64 DWARF numbers: the 16 integer registers, then the pc (16) */
#define DW_RBP 6
#define DW_RSP 7
#define DW_PC 16

/* DWARF register number -> the context's gregs[] index; libunwind numbers them as DWARF does. */
static const int greg_of[REG_COUNT] = {
	REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP,
};

static uintptr_t page_size = 4096;

/* The DWARF numbers of the registers a rule may restore (struct frame_rule's saved[]). */
static const int saved_regs[6] = RULE_SAVED_REGS;

struct walk {
	const unw_context_t *start;     /* the capture's context (its other state, for libunwind steps) */
	uintptr_t r[REG_COUNT];         /* the current frame's registers */
	int exact;                      /* r[DW_PC] is an interrupted pc, not a return address */
	uintptr_t lo, hi;               /* stack proven mapped */
	uintptr_t top;                  /* and never read at or above this */
	unsigned cached, libunwind;     /* steps, for the check mode */
	int nsig;                       /* signal trampolines met: their places in the stack stored */
	int sig_at[4];
	/* The memo entry this walk is recorded into, NULL when it cannot be (memo_begin): the stack
	 * slots whose values decide the walk (return addresses, and saved registers a later frame's CFA
	 * is computed from), the registers consulted while they still hold the context's values, and
	 * the span of every slot read. */
	struct unwind_memo *m;
	uintptr_t sp0, span_lo, span_hi;
	uint32_t initial, consulted;
	uint32_t pending;               /* registers restored from a slot not recorded (yet) */
	uintptr_t pend_addr[6], pend_val[6];    /* by RULE_SAVED_REGS index */
};

extern void *__libc_stack_end;

/* Where the current thread's stack ends above sp: its descriptor, which glibc puts at the top of every
 * thread's stack block (its own or one the program gave it); for the main thread, the stack pointer
 * the program started with.  Elsewhere (a coroutine's stack) only deps_readable() bounds the walk. */
static uintptr_t stack_top_above(uintptr_t sp)
{
	uintptr_t self = (uintptr_t)pthread_self();
	if (sp < self)
		return self;
	uintptr_t first = (uintptr_t)__libc_stack_end;
	if (sp < first)
		return first;
	return UINTPTR_MAX;
}

/* Whether the pages of [addr, addr + len) are mapped and readable (addr page-aligned), asked of the
 * kernel a page at a time (raw_word_readable, raw_signals.h).  Not mincore(): seccomp sandboxes refuse
 * it -- Firefox's content processes trap it (SIGSYS, a "seccomp sandbox violation" line on stderr,
 * ENOSYS: tens of thousands per page load, as each failure left the range unproven), Chromium's kill
 * the process -- and mincore() calls a guard page present.  Async-signal-safe.  libunwind's own
 * mincore() comes here too (deps_ns.c). */
int deps_readable(uintptr_t addr, size_t len)
{
	for (uintptr_t page = addr; page - addr < len; page += page_size)
		if (!raw_word_readable(page))
			return 0;
	return 1;
}

/* Stretch the proven range up to cover end, a page at a time.  Stacks have no holes, so a range once
 * proven stays proven while the thread lives. */
static __attribute__((noinline, cold)) int prove_mapped(struct walk *w, uintptr_t end)
{
	uintptr_t want = (end + page_size - 1) & ~(page_size - 1);
	if (want - w->hi > ((uintptr_t)64 << 20))
		return 0;       /* beyond any frame's size: not this stack */
	if (!deps_readable(w->hi, want - w->hi))
		return 0;
	w->hi = want;
	return 1;
}

static inline int load_word(struct walk *w, uintptr_t addr, uintptr_t *value)
{
	if (addr < w->lo || addr > w->top - 8)
		return 0;
	if (addr + 8 > w->hi && !prove_mapped(w, addr + 8))
		return 0;
	*value = *(const uintptr_t *)addr;
	if (addr < w->span_lo)
		w->span_lo = addr;
	if (addr + 8 > w->span_hi)
		w->span_hi = addr + 8;
	return 1;
}

/* A slot whose value decides the walk, into the memo entry being recorded. */
static void memo_slot(struct walk *w, uintptr_t addr, uintptr_t value)
{
	struct unwind_memo *m = w->m;
	intptr_t off = (intptr_t)(addr - w->sp0);
	if (!m)
		return;
	if (m->nslots >= UNWIND_MEMO_SLOTS || off != (int32_t)off) {
		w->m = NULL;
		return;
	}
	m->slot_off[m->nslots] = (int32_t)off;
	m->slot_val[m->nslots++] = value;
}

/* Register reg is about to give a frame its CFA: its value decides the walk, whether it is still the
 * context's (a key of the entry) or was restored from a slot (which is recorded now).  A restored
 * register no frame's CFA comes from does not: its slot is not kept (a wrapper's frame saves the
 * caller's loop counter). */
static void memo_consult(struct walk *w, int reg)
{
	uint32_t bit = 1u << reg;
	if (w->initial & bit) {
		w->consulted |= bit;
	} else if (w->pending & bit) {
		w->pending &= ~bit;
		for (int i = 0; i < 6; i++)
			if (saved_regs[i] == reg)
				memo_slot(w, w->pend_addr[i], w->pend_val[i]);
	}
}

/* The proven range this thread remembers, if it holds sp: else a new one starting at sp's page.  The
 * pair is published with hi cleared first, so that a signal handler capturing in between reads an
 * empty range, never a mixed one. */
static void range_begin(struct walk *w)
{
	struct unwind_thread *t = deps_unwind_thread();
	uintptr_t sp = w->r[DW_RSP];
	w->top = stack_top_above(sp);
	/* A signal handler that captures may rewrite the pair between these loads: read hi around lo,
	 * and start afresh if it moved. */
	uintptr_t hi = t->readable_hi;
	atomic_signal_fence(memory_order_seq_cst);
	w->lo = t->readable_lo;
	atomic_signal_fence(memory_order_seq_cst);
	w->hi = t->readable_hi;
	if (w->hi != hi || !(sp >= w->lo && sp < w->hi))
		w->lo = w->hi = sp & ~(page_size - 1);
}

static void range_end(const struct walk *w)
{
	struct unwind_thread *t = deps_unwind_thread();
	if (t->readable_lo == w->lo && t->readable_hi == w->hi)
		return;
	t->readable_hi = 0;
	atomic_signal_fence(memory_order_seq_cst);
	t->readable_lo = w->lo;
	atomic_signal_fence(memory_order_seq_cst);
	t->readable_hi = w->hi;
}

/* libunwind and libdw reach cancellation points (libunwind's validation pipe, libdw's open and read
 * of an object): a pending cancel must never act inside coffman.  Only those calls are bracketed —
 * the two atomic updates of the thread's cancel state were 3% of a first-seen lock when every
 * capture paid them, and a walk by cached rules calls nothing that can be cancelled. */
static int cancel_off(void)
{
	int old = PTHREAD_CANCEL_ENABLE;
	if (deps_host.setcancelstate)
		deps_host.setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

static void cancel_back(int old)
{
	if (deps_host.setcancelstate)
		deps_host.setcancelstate(old, NULL);
}

/* A frame stepped by rule: its return address decides the walk; the registers it restores are kept
 * aside until a frame's CFA is computed from one of them (memo_consult). */
static void memo_step(struct walk *w, const struct frame_rule *rule, uintptr_t cfa, uintptr_t ra,
		      const uintptr_t *saved)
{
	memo_slot(w, cfa - 8, ra);
	for (int i = 0; i < 6; i++) {
		if (!rule->saved[i])
			continue;
		uint32_t bit = 1u << saved_regs[i];
		w->initial &= ~bit;
		w->pending |= bit;
		w->pend_addr[i] = cfa + (uintptr_t)(intptr_t)rule->saved[i] * 8;
		w->pend_val[i] = saved[i];
	}
	w->initial &= ~((1u << DW_RSP) | (1u << DW_PC));
}

/* One frame by its cached rule: 1 stepped, 0 the outermost frame, -1 not by rule (libunwind's turn). */
static int step_by_rule(struct walk *w, int *signal)
{
	uintptr_t key = w->r[DW_PC] - (w->exact ? 0 : 1);
	struct frame_rule rule;
	if (!deps_rule_find(key, &rule)) {
		int cs = cancel_off();
		deps_rule_fill(key, &rule);
		cancel_back(cs);
	}
	if (rule.kind == RULE_END)
		return 0;
	*signal = rule.signal;
	if (rule.kind != RULE_CFA)
		return -1;
	if (w->m)
		memo_consult(w, rule.cfa_reg);
	uintptr_t cfa = w->r[rule.cfa_reg] + (uintptr_t)(intptr_t)rule.cfa_off, ra, saved[6];
	if (cfa <= w->r[DW_RSP] || !load_word(w, cfa - 8, &ra))
		return -1;
	for (int i = 0; i < 6; i++)
		if (!rule.saved[i])
			saved[i] = w->r[saved_regs[i]];
		else if (!load_word(w, cfa + (uintptr_t)(intptr_t)rule.saved[i] * 8, &saved[i]))
			return -1;
	if (w->m)
		memo_step(w, &rule, cfa, ra, saved);
	for (int i = 0; i < 6; i++)
		w->r[saved_regs[i]] = saved[i];
	w->r[DW_RSP] = cfa;
	w->r[DW_PC] = ra;
	w->exact = 0;
	return 1;
}

/* A frame without CFI (JIT code: Mono's wrappers, a JVM's stubs) libunwind steps by the frame-pointer
 * chain -- return address at rbp + 8, the caller's rbp at rbp -- but it reports the caller's rsp as
 * the old rsp + 16 (its CFA guess, libunwind 1.6 x86_64 unw_step), which is the caller's only when
 * the frame's rsp was its rbp.  A caller whose CFA is rsp-based then read its return address from the
 * wrong slot (Mono: a heap pointer for the caller of every managed-to-native wrapper).  Recognised by
 * exactly that shape, the caller's rsp is put where the chain says it is: rbp + 16. */
static void fix_guessed_rsp(struct walk *w, uintptr_t old_rsp, uintptr_t old_rbp)
{
	uintptr_t ra, rbp;
	if (old_rbp == old_rsp || w->r[DW_RSP] != old_rsp + 16 || old_rbp < old_rsp ||
	    !load_word(w, old_rbp, &rbp) || !load_word(w, old_rbp + 8, &ra))
		return;
	if (w->r[DW_PC] == ra && w->r[DW_RBP] == rbp)
		w->r[DW_RSP] = old_rbp + 16;
}

/* One frame by libunwind, from the registers recovered so far (the rest as the capture began): what
 * its own walk would have done at this frame.  After a signal trampoline the next pc is exact.  Out of
 * line: its 2 KB of context and cursor would deepen every capture's stack (issue 9 counts the pages
 * each thread's stack touches). */
static __attribute__((noinline)) int step_by_libunwind_held(struct walk *w, int signal)
{
	libunwind_prepare();
	unw_context_t context;
	memcpy(&context, w->start, sizeof context);
	for (int i = 0; i < REG_COUNT; i++)
		context.uc_mcontext.gregs[greg_of[i]] = (greg_t)w->r[i];
	unw_cursor_t cursor;
	int rc = w->exact ? unw_init_local2(&cursor, &context, UNW_INIT_SIGNAL_FRAME)
			  : unw_init_local(&cursor, &context);
	if (rc != 0)
		return -1;
	/* libunwind knows a sigreturn trampoline by its code too, where there is no CFI to say so. */
	if (!signal && unw_is_signal_frame(&cursor) > 0)
		signal = 1;
	rc = unw_step(&cursor);
	if (rc <= 0)
		return rc;
	uintptr_t old_rsp = w->r[DW_RSP], old_rbp = w->r[DW_RBP];
	for (int i = 0; i < REG_COUNT; i++) {
		unw_word_t v;
		if (unw_get_reg(&cursor, i, &v) == 0)
			w->r[i] = (uintptr_t)v;
	}
	if (!signal)
		fix_guessed_rsp(w, old_rsp, old_rbp);
	w->exact = signal;
	return rc;
}

/* The program's asynchronous signals held off for the step (deps_signals_hold, deps_ns.c). */
static int step_by_libunwind(struct walk *w, int signal)
{
	uint64_t old = deps_signals_hold();
	int rc = step_by_libunwind_held(w, signal);
	deps_signals_back(old);
	return rc;
}

static int walk_cached(const unw_context_t *context, uintptr_t *pcs, int max, struct walk *w)
{
	w->start = context;
	for (int i = 0; i < REG_COUNT; i++)
		w->r[i] = (uintptr_t)context->uc_mcontext.gregs[greg_of[i]];
	w->exact = 0;
	w->cached = w->libunwind = 0;
	w->nsig = 0;
	w->sp0 = w->span_lo = w->span_hi = w->r[DW_RSP];
	w->initial = (1u << REG_COUNT) - 1;
	w->consulted = w->pending = 0;
	range_begin(w);
	int out = 0;
	for (int steps = 0; out < max && steps < max + 32; steps++) {
		uintptr_t ip = w->r[DW_PC];
		if (ip == 0)
			break;
		int stored = !is_own(ip);
		if (stored)
			pcs[out++] = ip;
		int signal = 0, rc = step_by_rule(w, &signal);
		if (rc > 0) {
			w->cached++;
			continue;
		}
		if (rc == 0)
			break;
		w->libunwind++;
		w->m = NULL;            /* libunwind's step reads what the memo does not record */
		int cs = cancel_off();
		rc = step_by_libunwind(w, signal);
		cancel_back(cs);
		if (rc <= 0)
			break;
		if (w->exact && stored && w->nsig < (int)(sizeof w->sig_at / sizeof w->sig_at[0]))
			w->sig_at[w->nsig++] = out - 1;         /* the frame just stepped was a signal trampoline */
	}
	range_end(w);
	return out;
}

/* ------------------------------------------------------------------ the check mode */

static int check_fd = -1;
static atomic_ulong check_captures, check_mismatches, check_cached, check_libunwind;
static atomic_ulong check_memo_hits, check_memo_mismatches;

/* One line: what, then stack a and stack b under their labels. */
static void check_line(const char *what, const char *label_a, const uintptr_t *a, int na, const char *label_b,
		       const uintptr_t *b, int nb)
{
	char line[4096];
	int len = snprintf(line, sizeof line, "coffman unwind check: pid %d: %s", (int)getpid(), what);
	for (int k = 0; k < 2; k++) {
		const uintptr_t *p = k ? b : a;
		int n = k ? nb : na;
		len += snprintf(line + len, sizeof line - (size_t)len, " %s:", k ? label_b : label_a);
		for (int i = 0; i < n && len < (int)sizeof line - 24; i++)
			len += snprintf(line + len, sizeof line - (size_t)len, " %#lx", (unsigned long)p[i]);
	}
	if (len < (int)sizeof line - 1)
		line[len++] = '\n';
	if (deps_fd_still_ours(check_fd) && write(check_fd, line, (size_t)len) < 0)
		return;
}

/* The check mode: the same capture by libunwind alone. */
static __attribute__((noinline)) void check(unw_context_t *context, const uintptr_t *pcs, int n, int max,
					     const struct walk *w)
{
	uintptr_t ref[max];
	uint64_t old = deps_signals_hold();
	int m = walk_libunwind(context, ref, max);
	deps_signals_back(old);
	atomic_fetch_add(&check_captures, 1);
	atomic_fetch_add(&check_cached, w->cached);
	atomic_fetch_add(&check_libunwind, w->libunwind);
	if (n != m || memcmp(pcs, ref, (size_t)n * sizeof *pcs) != 0) {
		atomic_fetch_add(&check_mismatches, 1);
		check_line("mismatch", "cached", pcs, n, "libunwind", ref, m);
	}
}

/* Every pc of a stack is symbolized as a return address, one byte back (inside the call).  Two are
 * not: a signal trampoline's (the kernel's return address is the trampoline's first byte: one back
 * named the function before it, or nothing, "?? (libc.so.6+0x3c04f)" for __restore_rt) and the
 * interrupted pc after it (exact: one back can be the previous line, or the previous function at a
 * function's first instruction).  Both are stored one byte on, so that the same rule lands on them.
 * After the check mode's comparison, which is of the pcs as both walks find them. */
static void mark_exact_pcs(const struct walk *w, uintptr_t *pcs, int n)
{
	for (int i = 0; i < w->nsig; i++) {
		int at = w->sig_at[i];
		if (at < n)
			pcs[at]++;
		if (at + 1 < n)
			pcs[at + 1]++;
	}
}

/* ------------------------------------------------------------------ the memo
 *
 * A thread that makes new lock-order edges captures the same few stacks over and over (a loop taking
 * lock i, then lock i + 1; a server creating a lock per connection from one place), and the walk was
 * a third of a first-seen lock.  The walk is a function of what it reads: the context's pc and stack
 * pointer, the registers a rule takes a frame's CFA from while they still hold the context's values,
 * the stack slots it loads (return addresses, saved registers), and the rules, fixed for a pc within
 * an epoch of the rule table.  So a walk from the same pc and stack pointer that finds those registers
 * and slots unchanged finds the same stack: checking them is a load and a compare per slot, where a
 * step is a rule lookup and its arithmetic.  A walk that needed libunwind (a frame without a cached
 * rule, a signal trampoline) is not kept.  A slot is read again only inside the stretch of stack the
 * thread has proven mapped, as the walk itself reads. */
static int memo_find(struct unwind_thread *t, const unw_context_t *context, uintptr_t *pcs, int max)
{
	const greg_t *g = context->uc_mcontext.gregs;
	uintptr_t pc0 = (uintptr_t)g[REG_RIP], sp0 = (uintptr_t)g[REG_RSP];
	unsigned now = deps_rules_epoch();
	uintptr_t lo = t->readable_lo, hi = t->readable_hi;
	for (int i = 0; i < UNWIND_MEMO_ENTRIES; i++) {
		const struct unwind_memo *e = &t->memo[i];
		if (!e->valid || e->pc0 != pc0 || e->sp0 != sp0 || e->max != max || e->epoch != now)
			continue;
		/* Every slot the walk read, recorded or not, inside what the thread has proven mapped. */
		if (sp0 + (uintptr_t)(intptr_t)e->span_lo < lo || sp0 + (uintptr_t)(intptr_t)e->span_hi > hi)
			continue;
		int k = 0;
		while (k < e->ndeps && (uintptr_t)g[greg_of[e->dep_reg[k]]] == e->dep_val[k])
			k++;
		if (k < e->ndeps)
			continue;
		for (k = 0; k < e->nslots; k++) {
			if (*(const uintptr_t *)(sp0 + (uintptr_t)(intptr_t)e->slot_off[k]) != e->slot_val[k])
				break;
		}
		if (k < e->nslots)
			continue;
		memcpy(pcs, e->pcs, (size_t)e->n * sizeof *pcs);
		return e->n;
	}
	return -1;
}

/* The entry the next walk is recorded into: the oldest, invalid until memo_keep. */
static struct unwind_memo *memo_begin(struct unwind_thread *t, unsigned *epoch)
{
	struct unwind_memo *e = &t->memo[t->memo_next % UNWIND_MEMO_ENTRIES];
	e->valid = 0;
	atomic_signal_fence(memory_order_seq_cst);
	e->nslots = 0;
	*epoch = deps_rules_epoch();    /* before the walk: a rule read after a move is of the new epoch */
	return e;
}

static void memo_keep(struct unwind_thread *t, const struct walk *w, const unw_context_t *context,
		      const uintptr_t *pcs, int n, int max, unsigned epoch)
{
	struct unwind_memo *e = w->m;
	intptr_t span_lo = (intptr_t)(w->span_lo - w->sp0), span_hi = (intptr_t)(w->span_hi - w->sp0);
	if (!e || w->nsig || n > UNWIND_MEMO_FRAMES || span_lo != (int32_t)span_lo || span_hi != (int32_t)span_hi)
		return;
	const greg_t *g = context->uc_mcontext.gregs;
	uint32_t keyed = (1u << DW_RSP) | (1u << DW_PC);
	int nd = 0;
	for (int r = 0; r < REG_COUNT; r++) {
		if (!(w->consulted & (1u << r)) || (keyed & (1u << r)))
			continue;
		if (nd == UNWIND_MEMO_DEPS)
			return;
		e->dep_reg[nd] = (uint8_t)r;
		e->dep_val[nd++] = (uintptr_t)g[greg_of[r]];
	}
	e->ndeps = (uint8_t)nd;
	e->span_lo = (int32_t)span_lo;
	e->span_hi = (int32_t)span_hi;
	e->pc0 = (uintptr_t)g[REG_RIP];
	e->sp0 = (uintptr_t)g[REG_RSP];
	e->max = max;
	e->epoch = epoch;
	e->n = (uint8_t)n;
	memcpy(e->pcs, pcs, (size_t)n * sizeof *pcs);
	atomic_signal_fence(memory_order_seq_cst);
	e->valid = 1;
	t->memo_next++;
}

/* The check mode, for a stack the memo answered: the walk it stands for, done again. */
static __attribute__((noinline)) void check_memo(unw_context_t *context, const uintptr_t *pcs, int n, int max)
{
	uintptr_t ref[max];
	struct walk w;
	w.m = NULL;
	int m = walk_cached(context, ref, max, &w);
	atomic_fetch_add(&check_memo_hits, 1);
	if (n != m || memcmp(pcs, ref, (size_t)n * sizeof *pcs) != 0) {
		atomic_fetch_add(&check_memo_mismatches, 1);
		check_line("memo mismatch", "memo", pcs, n, "cached", ref, m);
	}
}

static int capture(unw_context_t *context, uintptr_t *pcs, int max)
{
	struct unwind_thread *t = deps_unwind_thread();
	/* Only the outermost capture of the thread uses the memo: a signal handler's capture on top of
	 * one that is recording must not read or change the entry half written. */
	int outermost = t->memo_users++ == 0 && t->memo;
	atomic_signal_fence(memory_order_seq_cst);
	struct walk w;
	w.cached = w.libunwind = 0;
	w.nsig = 0;
	int n = outermost ? memo_find(t, context, pcs, max) : -1;
	if (n >= 0 && check_fd >= 0)
		check_memo(context, pcs, n, max);
	if (n < 0) {
		unsigned epoch = 0;
		w.m = outermost ? memo_begin(t, &epoch) : NULL;
		n = walk_cached(context, pcs, max, &w);
		if (w.m)
			memo_keep(t, &w, context, pcs, n, max, epoch);
	}
	atomic_signal_fence(memory_order_seq_cst);
	t->memo_users--;
	if (check_fd >= 0) {
		int cs = cancel_off();
		check(context, pcs, n, max, &w);
		cancel_back(cs);
	}
	mark_exact_pcs(&w, pcs, n);
	return n;
}


void deps_unwind_check_summary(void)
{
	if (check_fd < 0)
		return;
	char line[256];
	int len = snprintf(line, sizeof line,
			   "coffman unwind check: pid %d: %lu captures, %lu mismatches, %lu frames stepped by rule, "
			   "%lu by libunwind\n",
			   (int)getpid(), atomic_load(&check_captures), atomic_load(&check_mismatches),
			   atomic_load(&check_cached), atomic_load(&check_libunwind));
	len += snprintf(line + len, sizeof line - (size_t)len, "coffman unwind check: pid %d: memo: %lu hits, %lu mismatches\n",
			(int)getpid(), atomic_load(&check_memo_hits), atomic_load(&check_memo_mismatches));
	if (deps_fd_still_ours(check_fd) && write(check_fd, line, (size_t)len) < 0)
		return;
}

/* ------------------------------------------------------------------ entry points */

void deps_unwind_init(void)
{
	own[0].probe = (uintptr_t)&deps_unwind_init;
	own[1].probe = (uintptr_t)&_ULx86_64_step;
	for (unsigned i = 0; i < sizeof own / sizeof own[0]; i++)
		dl_iterate_phdr(text_range_find, &own[i]);
	long page = sysconf(_SC_PAGESIZE);
	if (page > 0)
		page_size = (uintptr_t)page;
	if (deps_host.unwind_check && deps_host.unwind_check[0])
		check_fd = open(deps_host.unwind_check, O_WRONLY | O_APPEND | O_CREAT, 0644);
	/* Nothing of libunwind is warmed up here (libunwind_prepare), and the rule table fills at the
	 * first capture: every program's start would pay for what most never use. */
}

int deps_capture(uintptr_t *pcs, int max)
{
	if (deps_unwind_busy())
		return 0;
	unw_context_t context;
	if (DEPS_GETCONTEXT((struct unwind_context *)(void *)&context) != 0)
		return 0;
	return capture(&context, pcs, max);
}

int deps_capture_from(const struct unwind_context *ctx, uintptr_t *pcs, int max)
{
	if (deps_unwind_busy())
		return 0;
	/* Only read (the walks copy what they change); the cast drops a const libunwind's prototypes
	 * lack. */
	return capture((unw_context_t *)(uintptr_t)ctx, pcs, max);
}
