/* The known-edge set (known_edges.h): a fixed open-addressing table in zero-initialised static memory,
 * written and read without locks, each entry stamped with the order epoch it was checked under. */
#include "known_edges.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* 8192 slots of 32 bytes (256 KB of .bss, touched only as edges arrive): enough for the known edges
 * of a program whose threads share a working set; more simply collide and fall back to the graph. */
#define KNOWN_SLOTS 8192u
#define KNOWN_PROBE 4u

/* A slot is a tiny seqlock: seq odd while a writer fills it; a reader retries nothing, it just misses
 * when seq moved under it. */
struct known_slot {
	atomic_uint seq;
	atomic_uint epoch;
	_Atomic uintptr_t from, to, gate;
};

static struct known_slot slots[KNOWN_SLOTS];

/* Keyed by the edge alone: its entries under different gates, and the one that says it has none, are
 * looked for in one probe window. */
static unsigned slot_of(const void *from, const void *to)
{
	uint64_t k = (uint64_t)(uintptr_t)from * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)to;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (unsigned)k & (KNOWN_SLOTS - 1);
}

/* KNOWN_UNGATED when the slot holds the edge as having no gate, KNOWN_GATED when it holds it under
 * this gate, else 0. */
static int slot_holds(struct known_slot *s, uintptr_t from, uintptr_t to, uintptr_t gate, unsigned epoch)
{
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (seq & 1)
		return 0;
	uintptr_t held_gate = atomic_load_explicit(&s->gate, memory_order_relaxed);
	int match = atomic_load_explicit(&s->from, memory_order_relaxed) == from &&
		    atomic_load_explicit(&s->to, memory_order_relaxed) == to &&
		    (held_gate == gate || held_gate == 0) &&
		    atomic_load_explicit(&s->epoch, memory_order_relaxed) == epoch;
	atomic_thread_fence(memory_order_acquire);
	if (!match || atomic_load_explicit(&s->seq, memory_order_relaxed) != seq)
		return 0;
	return held_gate ? KNOWN_GATED : KNOWN_UNGATED;
}

int known_edge_find(const void *from, const void *to, const void *gate, unsigned epoch)
{
	unsigned i = slot_of(from, to);
	for (unsigned p = 0; p < KNOWN_PROBE; p++) {
		int found = slot_holds(&slots[(i + p) & (KNOWN_SLOTS - 1)], (uintptr_t)from, (uintptr_t)to,
				       (uintptr_t)gate, epoch);
		if (found)
			return found;
	}
	return 0;
}

void known_edge_add(const void *from, const void *to, const void *gate, unsigned epoch)
{
	unsigned i = slot_of(from, to);
	/* The first slot that is empty or from an older epoch, else the home slot. */
	struct known_slot *s = &slots[i];
	for (unsigned p = 0; p < KNOWN_PROBE; p++) {
		struct known_slot *c = &slots[(i + p) & (KNOWN_SLOTS - 1)];
		if (atomic_load_explicit(&c->from, memory_order_relaxed) == 0 ||
		    atomic_load_explicit(&c->epoch, memory_order_relaxed) != epoch) {
			s = c;
			break;
		}
	}
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if ((seq & 1) || !atomic_compare_exchange_strong_explicit(&s->seq, &seq, seq + 1, memory_order_acquire,
								   memory_order_relaxed))
		return;         /* another writer has it: dropping an entry only costs a graph lookup */
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->from, (uintptr_t)from, memory_order_relaxed);
	atomic_store_explicit(&s->to, (uintptr_t)to, memory_order_relaxed);
	atomic_store_explicit(&s->gate, (uintptr_t)gate, memory_order_relaxed);
	atomic_store_explicit(&s->epoch, epoch, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

void known_edges_after_fork_child(void)
{
	for (unsigned i = 0; i < KNOWN_SLOTS; i++)
		if (atomic_load_explicit(&slots[i].seq, memory_order_relaxed) & 1)
			memset(&slots[i], 0, sizeof slots[i]);
}
