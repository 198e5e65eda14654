/* sitetable: the lock-site table (sitetable.h). */
#include "sitetable.h"

#include <stdlib.h>
#include <string.h>

#include "uthash_fast.h"

static size_t home_in(size_t mask, uintptr_t addr)
{
	return uthash_fast_mix64(&addr) & mask;
}

struct lock_site *sitetab_find(const struct site_table *t, uintptr_t addr)
{
	if (!t->slots)
		return NULL;
	for (size_t i = home_in(t->mask, addr);; i = (i + 1) & t->mask) {
		if (t->slots[i].addr == addr)
			return &t->slots[i];
		if (!t->slots[i].addr)
			return NULL;
	}
}

const struct lock_site *sitetab_home_slot(const struct site_table *t, uintptr_t addr)
{
	return t->slots ? &t->slots[home_in(t->mask, addr)] : NULL;
}

void sitetab_prefetch(const struct site_table *t, uintptr_t addr)
{
	const struct lock_site *slots = __atomic_load_n(&t->slots, __ATOMIC_RELAXED);
	size_t mask = __atomic_load_n(&t->mask, __ATOMIC_RELAXED);
	if (!slots)
		return;
	const char *slot = (const char *)&slots[home_in(mask, addr)];
	__builtin_prefetch(slot, 0, 3);
	__builtin_prefetch(slot + sizeof(struct lock_site) - 1, 0, 3);     /* it may straddle two lines */
}

/* The records of a table grown where it lies, from cap to ncap slots (the first cap hold them, the
 * rest are empty), each moved to where a lookup with the new mask finds it.
 *
 * Each record is taken out and put back at the first free slot from its new home, in probe order
 * starting after the table's last empty slot: first the run that wraps past the old end, then the
 * rest from the start up.  Taking a record out must never open a hole on the probe path of one
 * already put back, so no probe may step over a record not yet taken out:
 * - a record that stays in the low part probes from its old home, which is at or behind it in this
 *   order: it steps over records already put back and lands at or before its old slot (or, when its
 *   old probe wrapped, beyond the old end, in the new part);
 * - a record that moves up probes the new part, which holds only records already put back; a probe
 *   that runs on past the new end goes on from slot 0, and there everything up to the slot just
 *   emptied has been taken out already.  Before the wrapped run is done, such a probe cannot happen:
 *   the records put up so far have their homes no higher than the slot being done (a run of them
 *   would need more records than homes). */
static void rehash_grown(struct lock_site *slots, size_t cap, size_t ncap)
{
	size_t mask = ncap - 1, start = cap - 1;
	while (slots[start].addr)
		start--;                /* at most half full: there is an empty slot */
	for (size_t k = 1; k < cap; k++) {
		size_t i = (start + k) & (cap - 1);
		if (!slots[i].addr)
			continue;
		struct lock_site rec = slots[i];
		memset(&slots[i], 0, sizeof slots[i]);
		size_t j = uthash_fast_mix64(&rec.addr) & mask;
		while (slots[j].addr)
			j = (j + 1) & mask;
		slots[j] = rec;
	}
}

int sitetab_reserve(struct site_table *t, size_t n)
{
	size_t cap = t->slots ? t->mask + 1 : 0;
	if ((t->used + n) * 2 <= cap)
		return 0;
	size_t ncap = cap ? cap * 2 : SITETAB_MIN_CAP;
	while ((t->used + n) * 2 > ncap)
		ncap *= 2;
	if (ncap > SIZE_MAX / sizeof(struct lock_site))
		return t->used + n < cap ? 0 : -1;
	struct lock_site *slots = realloc(t->slots, ncap * sizeof *slots);
	if (!slots)
		return t->used + n < cap ? 0 : -1;      /* fuller than we like, but probes still end */
	/* Written first, in order: the placements below would otherwise read most new pages before
	 * writing them, two page faults each instead of one. */
	memset(slots + cap, 0, (ncap - cap) * sizeof *slots);
	/* Stored atomically for sitetab_prefetch, which reads them without the caller's lock. */
	__atomic_store_n(&t->slots, slots, __ATOMIC_RELAXED);
	__atomic_store_n(&t->mask, ncap - 1, __ATOMIC_RELAXED);
	if (cap)
		rehash_grown(slots, cap, ncap);
	return 1;
}

struct lock_site *sitetab_add(struct site_table *t, uintptr_t addr)
{
	if (!addr || sitetab_reserve(t, 1) < 0)
		return NULL;
	size_t i = home_in(t->mask, addr);
	while (t->slots[i].addr)
		i = (i + 1) & t->mask;
	memset(&t->slots[i], 0, sizeof t->slots[i]);
	t->slots[i].addr = addr;
	t->used++;
	return &t->slots[i];
}

void sitetab_remove(struct site_table *t, struct lock_site *s)
{
	size_t mask = t->mask, hole = (size_t)(s - t->slots);
	for (size_t i = (hole + 1) & mask; t->slots[i].addr; i = (i + 1) & mask) {
		size_t home = home_in(mask, t->slots[i].addr);
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof t->slots[hole]);
	t->used--;
}
