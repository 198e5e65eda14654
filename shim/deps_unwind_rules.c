/* The unwind rules of code addresses, cached for the whole process, inside libcoffman-deps.so
 * (deps_ns.h: deps_rule_find, deps_rule_fill, deps_rules_forget).
 *
 * What the cached walk (deps_unwind.c) needs to step a frame without libunwind: where the frame's CFA
 * is (rsp or rbp plus an offset), that the return address is at CFA - 8, and where rbx, rbp and
 * r12-r15 were saved (CFA + 8k, or not at all).  The rules are read from the object's .eh_frame — the
 * CFI libunwind reads — or, in an object that has only that, its .debug_frame, by elfutils libdw; this
 * file only sorts libdw's answer into those common cases.
 * Anything else (signal trampolines, DWARF expressions, a register saved in another register, code
 * without CFI, an address in no loaded object) is cached as RULE_LIBUNWIND: libunwind steps that frame.
 *
 * One table for the process, not one per thread (issue 9 bounds the memory per live thread): 4096
 * buckets of two 32-byte entries, 256 KB of .bss of which only touched pages cost memory (a large
 * server's lock sites and their callers are a few thousand addresses; an evicted rule is read again,
 * at about the cost of a libunwind cache miss).  Readers
 * take no lock: each entry has a sequence number, odd while it is written, read before and after.
 * Filling takes a spinlock around libdw (not thread-safe, and it allocates from this namespace's
 * libc); a thread that finds it taken has that frame stepped by libunwind rather than wait, and the
 * holder counts it among its unwinder locks (deps_ns.c), so that a signal handler interrupting the
 * fill gets no frames instead of re-entering libdw; one that interrupts the symbolizer (which allocates
 * from the same libc) fills nothing and leaves its frames to libunwind.  Entries are stamped with the
 * epoch they were read in; an unload moves the epoch (deps_rules_forget, from the dlclose wrapper), which retires every
 * entry and the libdw session, so no rule of an unmapped object is used again.
 */
#include "deps_ns.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RULE_BUCKET_BITS 12
#define RULE_WAYS 2

struct rule_slot {
	atomic_uint seq;                /* odd while written */
	atomic_uint epoch;
	atomic_uintptr_t key;
	_Atomic uint64_t word[2];       /* the struct frame_rule */
};

union rule_words {
	struct frame_rule rule;
	uint64_t word[2];
};

_Static_assert(sizeof(struct rule_slot) == 32, "two entries per cache line");
_Static_assert(sizeof(struct frame_rule) == sizeof(uint64_t[2]), "a rule is two words");

static _Alignas(64) struct rule_slot table[1u << RULE_BUCKET_BITS][RULE_WAYS];
static atomic_uint epoch = 1;   /* 0 is never current: an entry never written does not match */

static struct rule_slot *bucket_of(uintptr_t key)
{
	return table[(uint64_t)key * 0x9e3779b97f4a7c15ull >> (64 - RULE_BUCKET_BITS)];
}

int deps_rule_find(uintptr_t key, struct frame_rule *out)
{
	unsigned now = atomic_load_explicit(&epoch, memory_order_relaxed);
	struct rule_slot *b = bucket_of(key);
	for (int w = 0; w < RULE_WAYS; w++) {
		struct rule_slot *s = &b[w];
		unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if ((seq & 1) || atomic_load_explicit(&s->key, memory_order_relaxed) != key)
			continue;
		unsigned stamp = atomic_load_explicit(&s->epoch, memory_order_relaxed);
		union rule_words r;
		r.word[0] = atomic_load_explicit(&s->word[0], memory_order_relaxed);
		r.word[1] = atomic_load_explicit(&s->word[1], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != seq || stamp != now)
			continue;
		*out = r.rule;
		return 1;
	}
	return 0;
}

static void rule_store(uintptr_t key, const struct frame_rule *rule, unsigned stamp)
{
	struct rule_slot *b = bucket_of(key);
	/* The way that holds this key or a retired rule, else the one the key's low bits pick (two
	 * hot addresses that share a bucket then keep a way each as often as not). */
	int way = (int)((key >> 4) & (RULE_WAYS - 1));
	for (int w = 0; w < RULE_WAYS; w++)
		if (atomic_load_explicit(&b[w].key, memory_order_relaxed) == key ||
		    atomic_load_explicit(&b[w].epoch, memory_order_relaxed) != stamp) {
			way = w;
			break;
		}
	struct rule_slot *s = &b[way];
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if ((seq & 1) || !atomic_compare_exchange_strong_explicit(&s->seq, &seq, seq + 1, memory_order_relaxed,
								   memory_order_relaxed))
		return;
	atomic_thread_fence(memory_order_release);
	union rule_words r = { .rule = *rule };
	atomic_store_explicit(&s->key, key, memory_order_relaxed);
	atomic_store_explicit(&s->epoch, stamp, memory_order_relaxed);
	atomic_store_explicit(&s->word[0], r.word[0], memory_order_relaxed);
	atomic_store_explicit(&s->word[1], r.word[1], memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

unsigned deps_rules_epoch(void)
{
	return atomic_load_explicit(&epoch, memory_order_relaxed);
}

void deps_rules_forget(void)
{
	atomic_fetch_add(&epoch, 1);
	if (atomic_load(&epoch) == 0)
		atomic_fetch_add(&epoch, 1);
}

/* The libdw side, under fill_lock. */
static atomic_flag fill_lock = ATOMIC_FLAG_INIT;
static Dwfl *session;
static unsigned session_epoch;

/* The module of addr: objects enter the session as their code is first met. */
static Dwfl_Module *module_of(uintptr_t addr, unsigned stamp)
{
	if (session && session_epoch != stamp) {
		dwfl_end(session);
		session = NULL;
	}
	if (!session) {
		session = deps_dwfl_begin();
		session_epoch = stamp;
		if (!session)
			return NULL;
	}
	Dwfl_Module *mod = dwfl_addrmodule(session, addr);
	return mod ? mod : deps_dwfl_report_object_at(session, addr);
}

enum saved_at { SAVED_NOWHERE, SAVED_UNCHANGED, SAVED_UNDEFINED, SAVED_IN_SLOT };

/* Where the frame's caller's register regno is: unchanged, undefined, or in the stack slot at
 * CFA + 8 * *slot (libdw spells that "DW_OP_call_frame_cfa [DW_OP_plus_uconst n]", in its ops_mem);
 * SAVED_NOWHERE for every other rule. */
static enum saved_at saved_where(Dwarf_Frame *frame, int regno, int *slot)
{
	Dwarf_Op mem[3], *ops = NULL;
	size_t nops = 0;
	if (dwarf_frame_register(frame, regno, mem, &ops, &nops) != 0)
		return SAVED_NOWHERE;
	if (nops == 0)
		return ops == NULL ? SAVED_UNCHANGED : SAVED_UNDEFINED;
	if (ops != mem || ops[0].atom != DW_OP_call_frame_cfa)
		return SAVED_NOWHERE;
	int64_t off = 0;
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst)
		off = (int64_t)ops[1].number;
	else if (nops != 1)
		return SAVED_NOWHERE;
	if (off % 8 != 0 || off / 8 < INT8_MIN || off / 8 > INT8_MAX || off == 0)
		return SAVED_NOWHERE;
	*slot = (int)(off / 8);
	return SAVED_IN_SLOT;
}

/* Sort libdw's frame state into a rule; leaves RULE_LIBUNWIND for anything uncommon. */
static void rule_of_frame(Dwarf_Frame *frame, struct frame_rule *out)
{
	bool signal = false;
	int ra = dwarf_frame_info(frame, NULL, NULL, &signal);
	if (signal) {
		out->signal = 1;
		return;
	}
	if (ra != 16)
		return;
	Dwarf_Op *ops = NULL;
	size_t nops = 0;
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops != 1)
		return;
	int64_t reg, off;
	if (ops[0].atom == DW_OP_bregx) {
		reg = (int64_t)ops[0].number;
		off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		off = (int64_t)ops[0].number;
	} else {
		return;
	}
	if ((reg != 6 && reg != 7) || off < 8 || off > INT32_MAX)
		return;
	int slot = 0;
	enum saved_at ra_at = saved_where(frame, 16, &slot);
	enum saved_at rbp_at = saved_where(frame, 6, &(int){ 0 });
	/* libunwind ends the walk there (an undefined return address or rbp marks the outermost frame
	 * in the x86-64 ABI). */
	if (ra_at == SAVED_UNDEFINED || rbp_at == SAVED_UNDEFINED) {
		out->kind = RULE_END;
		return;
	}
	if (ra_at != SAVED_IN_SLOT || slot != -1)
		return;
	static const int regs[6] = RULE_SAVED_REGS;
	struct frame_rule r = { .kind = RULE_CFA, .cfa_reg = (uint8_t)reg, .cfa_off = (int32_t)off };
	/* Undefined counts as unchanged here: libdw calls rbx undefined wherever the CFI does not
	 * mention it (libunwind: unchanged), and no rule the walk follows reads these registers; what
	 * the walk hands libunwind then is at worst what libunwind's own walk would have had. */
	for (int i = 0; i < 6; i++) {
		slot = 0;
		enum saved_at at = saved_where(frame, regs[i], &slot);
		if (at == SAVED_IN_SLOT)
			r.saved[i] = (int8_t)slot;
		else if (at == SAVED_NOWHERE)
			return;
	}
	*out = r;
}

/* Whether the row that holds a return address's key (its call's last byte) begins at that byte, in
 * the middle of the call: CFI that is not the code's.  Mono's AOT compiler writes its epilogue rows at
 * offsets counted from the wrong place (mscorlib.dll.so: "CFA = rsp + 8, nothing saved" rows inside
 * a method's body), and a caller read by such a row is a heap pointer.  Such a frame is left to
 * libunwind's frame-pointer chain.  (An interrupted pc, a signal frame's, may well start a row: it is
 * then stepped by libunwind too, as before .debug_frame was read at all.) */
static bool row_splits_call(Dwarf_Frame *frame, Dwarf_Addr key)
{
	Dwarf_Addr start = 0;
	dwarf_frame_info(frame, &start, NULL, NULL);
	return start == key;
}

/* Whether the object has an .eh_frame_hdr (PT_GNU_EH_FRAME), as every object built with unwind
 * tables has: then code its .eh_frame does not cover has no CFI (hand-written assembly), and
 * .debug_frame is not looked for -- that would load the object's separate debug file, if installed
 * (a -dbgsym package: possibly hundreds of MB to decompress), inside a lock call. */
static bool has_eh_frame_hdr(Dwfl_Module *mod)
{
	Dwarf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t n = 0;
	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);
		if (ph && ph->p_type == PT_GNU_EH_FRAME)
			return true;
	}
	return false;
}

/* The frame state at key from one of the module's two CFI sections (eh: .eh_frame, else .debug_frame);
 * *bias is the section's load bias. */
static Dwarf_Frame *frame_in(Dwfl_Module *mod, bool eh, uintptr_t key, Dwarf_Addr *bias)
{
	Dwarf_CFI *cfi = eh ? dwfl_module_eh_cfi(mod, bias) : dwfl_module_dwarf_cfi(mod, bias);
	Dwarf_Frame *frame = NULL;
	if (!cfi || dwarf_cfi_addrframe(cfi, key - *bias, &frame) != 0)
		return NULL;
	return frame;
}

static void rule_from_cfi(uintptr_t key, unsigned stamp, struct frame_rule *out)
{
	Dwfl_Module *mod = module_of(key, stamp);
	if (!mod)
		return;
	Dwarf_Addr bias = 0;
	Dwarf_Frame *frame = frame_in(mod, true, key, &bias);
	/* Code built without unwind tables but with -g, and Mono's AOT images, describe their frames
	 * in .debug_frame only.  libunwind 1.6 reads that section for every step it takes there and
	 * still falls back to the frame-pointer chain (67,000 opens of Mono's 17 MB mscorlib.dll.so in
	 * a 6 s run, 3x its native time, and the frames of every method that keeps no frame pointer
	 * skipped), so those frames are stepped here, from a rule read once. */
	if (!frame && !has_eh_frame_hdr(mod)) {
		frame = frame_in(mod, false, key, &bias);
		if (frame && row_splits_call(frame, key - bias)) {
			free(frame);
			return;
		}
	}
	if (!frame)
		return;
	rule_of_frame(frame, out);
	free(frame);
}

void deps_rule_fill(uintptr_t key, struct frame_rule *out)
{
	memset(out, 0, sizeof *out);
	out->kind = RULE_LIBUNWIND;
	struct unwind_thread *t = deps_unwind_thread();
	if (t->in_libdw)
		return;
	int *locks = &t->locks;
	++*locks;
	atomic_signal_fence(memory_order_seq_cst);
	if (!atomic_flag_test_and_set_explicit(&fill_lock, memory_order_acquire)) {
		uint64_t old = deps_signals_hold();     /* libdw's locks, the loader's (deps_ns.c) */
		unsigned stamp = atomic_load(&epoch);
		rule_from_cfi(key, stamp, out);
		rule_store(key, out, stamp);
		atomic_flag_clear_explicit(&fill_lock, memory_order_release);
		deps_signals_back(old);
	}
	atomic_signal_fence(memory_order_seq_cst);
	--*locks;
}
