/* graph/sitetable: every record stays findable through in-place growth and removals, including the
 * growth whose placements run past the table's end and step over records not yet moved. */
#include "sitetable.h"
#include "uthash_fast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, what) do { if (!(cond)) { fprintf(stderr, "FAIL: %s\n", what); failures++; } } while (0)

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uintptr_t random_addr(void)
{
	return (uintptr_t)((next_random() & 0x7ffffffffff8ull) | 8);
}

static size_t home(uintptr_t addr, size_t mask)
{
	return uthash_fast_mix64(&addr) & mask;
}

/* Every occupied slot reachable from its home, the count right, each key of want[] found with its
 * payload (pc = index in want + 1) and nothing else present.  Returns 1 when all hold. */
static int table_ok(const struct site_table *t, const uintptr_t *want, size_t nwant)
{
	size_t occupied = 0;
	for (size_t i = 0; i <= t->mask; i++) {
		if (!t->slots[i].addr)
			continue;
		occupied++;
		for (size_t j = home(t->slots[i].addr, t->mask); j != i; j = (j + 1) & t->mask)
			if (!t->slots[j].addr)
				return 0;
	}
	if (occupied != t->used || occupied != nwant)
		return 0;
	for (size_t k = 0; k < nwant; k++) {
		const struct lock_site *s = sitetab_find(t, want[k]);
		if (!s || s->pc != k + 1)
			return 0;
	}
	return 1;
}

static void add(struct site_table *t, uintptr_t *want, size_t *nwant, uintptr_t addr)
{
	struct lock_site *s = sitetab_add(t, addr);
	CHECK(s != NULL, "add succeeds");
	if (!s)
		return;
	CHECK(s->pc == 0 && s->stack == 0 && s->node1 == 0, "a new record is zero but its address");
	want[*nwant] = addr;
	s->pc = ++*nwant;
}

static void remove_at(struct site_table *t, uintptr_t *want, size_t *nwant, size_t k)
{
	struct lock_site *s = sitetab_find(t, want[k]);
	CHECK(s != NULL, "a present key is found before removal");
	if (!s)
		return;
	sitetab_remove(t, s);
	/* Keep pc == index + 1: the last key moves into slot k of want[]. */
	want[k] = want[--*nwant];
	if (k < *nwant) {
		struct lock_site *moved = sitetab_find(t, want[k]);
		if (moved)
			moved->pc = k + 1;
	}
}

/* Random keys through many growths, with removals mixed in, checked after every growth. */
static void random_rounds(void)
{
	enum { MAXKEYS = 40000 };
	static uintptr_t want[MAXKEYS];
	int bad = 0;
	for (int trial = 0; trial < 40; trial++) {
		struct site_table t = { 0 };
		size_t nwant = 0, cap = 0;
		while (nwant < MAXKEYS - 1) {
			if (nwant > 10 && next_random() % 4 == 0)
				remove_at(&t, want, &nwant, next_random() % nwant);
			add(&t, want, &nwant, random_addr());
			if (t.mask + 1 != cap) {
				cap = t.mask + 1;
				bad += !table_ok(&t, want, nwant);
			}
		}
		bad += !table_ok(&t, want, nwant);
		while (nwant)
			remove_at(&t, want, &nwant, next_random() % nwant);
		CHECK(t.used == 0, "all removed");
		free(t.slots);
	}
	CHECK(bad == 0, "random keys: every record findable after every growth");
}

/* A key whose home is `want_new` with the grown mask and `want_old` with the old one. */
static uintptr_t key_with_homes(size_t old_mask, size_t want_old, size_t new_mask, size_t want_new)
{
	for (;;) {
		uintptr_t a = random_addr();
		if (home(a, old_mask) == want_old && home(a, new_mask) == want_new)
			return a;
	}
}

/* The growth from 1024 to 2048 slots with a run that wraps past the old end: keys homed at the old
 * table's last slot, some staying there and some moving to the new last slot (whose probes wrap past
 * the new end), and a run at the start of the old table.  Moved in the wrong order (from slot 0 up),
 * the keys staying at the old last slot step over the run's head not yet moved, and are stranded
 * when it moves. */
static void wrapped_growth(void)
{
	enum { OLD = SITETAB_MIN_CAP, NEW = 2 * SITETAB_MIN_CAP };
	static uintptr_t want[OLD];
	struct site_table t = { 0 };
	size_t nwant = 0;
	/* Keys homed at the last slot of the grown table, and at the last of the old one. */
	for (int i = 0; i < 12; i++) {
		add(&t, want, &nwant, key_with_homes(OLD - 1, OLD - 1, NEW - 1, NEW - 1));
		add(&t, want, &nwant, key_with_homes(OLD - 1, OLD - 1, NEW - 1, OLD - 1));
	}
	/* A run at the start of the old table that stays in the low part. */
	for (int i = 0; i < 6; i++)
		add(&t, want, &nwant, key_with_homes(OLD - 1, (size_t)i, NEW - 1, (size_t)i));
	/* Filler up to the growth: anywhere else. */
	while (nwant < OLD / 2) {
		uintptr_t a = random_addr();
		size_t h = home(a, OLD - 1);
		if (h > 64 && h < OLD - 64)
			add(&t, want, &nwant, a);
	}
	CHECK(t.mask + 1 == OLD, "not grown yet");
	add(&t, want, &nwant, random_addr());
	CHECK(t.mask + 1 == NEW, "grown");
	CHECK(table_ok(&t, want, nwant), "wrapped growth: every record findable");
	free(t.slots);
}

static void basics(void)
{
	struct site_table t = { 0 };
	CHECK(sitetab_find(&t, 0x1000) == NULL, "empty table finds nothing");
	CHECK(sitetab_home_slot(&t, 0x1000) == NULL, "empty table has no home slot");
	sitetab_prefetch(&t, 0x1000);
	CHECK(sitetab_add(&t, 0) == NULL, "address 0 is refused");
	struct lock_site *s = sitetab_add(&t, 0x1000);
	CHECK(s && s->addr == 0x1000 && t.used == 1, "one record");
	CHECK(sitetab_find(&t, 0x1000) == s, "found where it was put");
	CHECK(sitetab_home_slot(&t, 0x1000) != NULL, "a home slot once allocated");
	CHECK(sitetab_reserve(&t, 10) == 0, "room without growing");
	sitetab_remove(&t, s);
	CHECK(t.used == 0 && sitetab_find(&t, 0x1000) == NULL, "removed");
	CHECK(sitetab_reserve(&t, 5000) == 1 && t.mask + 1 >= 10000, "reserve grows by more than double");
	free(t.slots);
}

int main(void)
{
	basics();
	wrapped_growth();
	random_rounds();
	if (failures == 0)
		printf("test_sitetable: all checks passed\n");
	return failures ? 1 : 0;
}
