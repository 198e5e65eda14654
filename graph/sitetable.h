/* sitetable: the lock-site table, every lock's record keyed by its address.
 *
 * A program with a million locks has a million records, looked up at every init, destroy and new
 * lock-order edge.  They live in the slots of one open-addressing table (linear probing, at most half
 * full): a lookup is one cache miss, no allocator header per lock, and a removed record's slot is
 * emptied with the run behind it shifted back (no tombstones), so creating and destroying locks in
 * rounds does not grow it.  It grows in place (realloc, which moves a large block's pages with mremap),
 * so that growing touches only the new part of the memory.
 *
 * Pure: no locking; the caller serialises every call except sitetab_prefetch.  Allocation is
 * realloc/free (inside libcoffman, its own allocator).  A record pointer stays valid until the next
 * sitetab_add, sitetab_reserve or sitetab_remove.
 */
#ifndef COFFMAN_SITETABLE_H
#define COFFMAN_SITETABLE_H

#include <stddef.h>
#include <stdint.h>

/* One slot: 24 bytes, the record itself, no pointer to chase.  It also holds the lock's own graph node
 * (lockgraph's lg_node_new, not in the graph's key index): the one lookup a lock needs at init, at its
 * first edge and at destroy finds both.  A code address fits in 53 bits (user space is below 2^47 on
 * x86-64, 2^52 elsewhere). */
struct lock_site {
	uintptr_t addr;                 /* 0: empty slot */
	uint64_t pc : 53;
	uint64_t kind : 8;
	uint64_t is_init : 1;
	uint64_t gen : 2;               /* fork generation when it was made (mod 4) */
	uint32_t stack;                 /* the creation or first use's stack id; 0: only pc */
	uint32_t node1;                 /* graph node index + 1; 0: none */
};
_Static_assert(sizeof(struct lock_site) == 24, "a site slot stays 24 bytes");

/* All zero: empty, nothing allocated. */
struct site_table {
	struct lock_site *slots;
	size_t mask;                    /* slots - 1; 0 with no slots */
	size_t used;
};

#define SITETAB_MIN_CAP 1024u

/* The record of addr, or NULL. */
struct lock_site *sitetab_find(const struct site_table *t, uintptr_t addr);
/* Room for n more records without moving the table during the next n sitetab_add: 0 (1 if it grew
 * for that), or -1 without memory (the table unchanged). */
int sitetab_reserve(struct site_table *t, size_t n);
/* A new record for addr (not in the table, not 0): all zero but addr.  NULL without memory. */
struct lock_site *sitetab_add(struct site_table *t, uintptr_t addr);
/* Empty the slot of s (a record of t). */
void sitetab_remove(struct site_table *t, struct lock_site *s);
/* The slot a lookup of addr starts at (NULL with no slots), to prefetch. */
const struct lock_site *sitetab_home_slot(const struct site_table *t, uintptr_t addr);
/* Fetch the lines a lookup of addr starts with.  Safe without the caller's lock, while another thread
 * may be growing the table: it reads the table's address and mask once each, and a prefetch of a stale
 * or mismatched pair only fetches a line nobody reads (a prefetch never faults). */
void sitetab_prefetch(const struct site_table *t, uintptr_t addr);

#endif
