/* lockgraph: the lock-order graph, its main edges kept acyclic by incremental topological ordering.
 *
 * Layout
 *   Node records live in one growable array indexed by the low 32 bits of an lg_node; the searches
 *   walk only this array and the edge arrays, so it is kept small (no key, no hash handle).  A removed
 *   record's version is bumped and its index goes on a free list for reuse.
 *   Each node's key lives in an array of its own indexed like the records; the key -> index table is an
 *   open-addressing array of {key, index} (struct lg_kslot), one cache miss per lookup.  A node made by
 *   lg_node_new is not in that table: its caller keeps the handle in a table of its own.
 *   Each record holds an out-array {target, payload} and an in-array of sources (the header's 8 + 4
 *   bytes per edge); the in-array is what the backward search and node removal need.  A node's first
 *   two out-edges and first two in-edges sit in the record itself, where the array pointers would be.
 *   Cycle edges (edges that would close a cycle among the main edges) are rare, each one a reported
 *   bug, so they live in one array sorted by their (from, to) index pair: a binary search finds an edge
 *   or a node's outgoing ones.  A per-node count lets the common node without any skip that search.
 *
 * Order (Pearce & Kelly 2006, "A dynamic topological sort algorithm for directed acyclic graphs")
 *   Every live node has a distinct `ord`, and ord[u] < ord[v] for every edge u->v.  An edge that already
 *   agrees with the order is appended without any search, and so is one with an end that has no edges
 *   (that end first moves below or above every node: ords are dealt out from the middle both ways).  Otherwise a BFS from `to` over nodes ordered
 *   below `from` either reaches `from` (a cycle; BFS makes the reported path a shortest one) or yields
 *   the forward set F; a BFS back from `from` over nodes ordered above `to` yields the backward set B
 *   (the two BFS run in step: each waits on a cache miss per node, and the two waits overlap); the
 *   ords of B and F are then dealt out again, B first, so that the new edge fits.  Searches mark
 *   nodes with an epoch number instead of clearing a visited set, and use queues kept in the graph, so
 *   they allocate nothing in steady state and cost only the region between the two endpoints.
 *
 * Cycles through cycle edges
 *   A cycle edge goes down the order (its target reaches its source over main edges) or, after removals,
 *   anywhere.  Once some exist, a new edge x->y also gets a BFS from y over main and cycle edges: a
 *   path back to x there is a new cycle (it contains the new edge).  That search prunes every node
 *   ordered above both x and the highest source of a cycle edge: from such a node only main edges
 *   leave, they climb, and x lies below.  So a graph without cycle edges pays nothing for this, and a
 *   new edge into a new lock (ordered above everything) pays nothing either.
 */
#include "lockgraph.h"

#include <stdlib.h>
#include <string.h>

#include "uthash_fast.h"        /* its 64-bit mixer, for the key index */

/* Limits at which ords are compacted and visit marks are cleared.  Overridable only so that a test
 * build can exercise those rare paths (e.g. -DLG_ORD_LIMIT=1000 -DLG_EPOCH_LIMIT=5). */
#ifndef LG_ORD_LIMIT
#define LG_ORD_LIMIT UINT32_MAX
#endif
#ifndef LG_EPOCH_LIMIT
#define LG_EPOCH_LIMIT UINT32_MAX
#endif

#define MIN_CAP 4u              /* first capacity of every growable array */

struct lg_out {
	uint32_t target;
	uint32_t payload;
};

/* Most locks have one or two neighbours, so a node's first two out-edges and first two in-edges live
 * in the record itself, where the array pointers would be: no allocation and no pointer to chase for
 * them (a search visiting a node otherwise misses the cache once for the record and once for each
 * array).  The record is then 64 bytes, one cache line.  A capacity of 0 means "inline"; the first
 * array allocated holds twice the inline room. */
#define OUT_INLINE 2u
#define IN_INLINE 2u

union lg_outs {
	struct lg_out *heap;
	struct lg_out one[OUT_INLINE];
};

union lg_ins {
	uint32_t *heap;
	uint32_t two[IN_INLINE];
};

struct lg_rec {
	union lg_outs out_u;    /* outs(): the out-edges {target, payload} */
	union lg_ins in_u;      /* ins(): the sources of the in-edges */
	uint32_t nout, out_cap; /* out_cap 0: inline */
	uint32_t nin, in_cap;   /* in_cap 0: inline */
	uint32_t ord;           /* position in the topological order (distinct among live nodes) */
	uint32_t mark;          /* == g->epoch: visited by the current search */
	uint32_t version;       /* high half of the handle; bumped on removal, never 0 */
	uint32_t ncycle;        /* cycle edges with this node as an endpoint */
	uint32_t live;          /* 0 free; LIVE_INDEXED or LIVE_OWN (see lg_node_new) */
};
#define LIVE_INDEXED 1u         /* found by its key (lg_node_get) */
#define LIVE_OWN 2u             /* not in the key index: the caller keeps the handle (lg_node_new) */

_Static_assert(sizeof(struct lg_rec) == 64, "a node record is one cache line");

static struct lg_out *outs(struct lg_rec *r)
{
	return r->out_cap ? r->out_u.heap : r->out_u.one;
}

static const struct lg_out *outs_c(const struct lg_rec *r)
{
	return r->out_cap ? r->out_u.heap : r->out_u.one;
}

static uint32_t *ins(struct lg_rec *r)
{
	return r->in_cap ? r->in_u.heap : r->in_u.two;
}

static const uint32_t *ins_c(const struct lg_rec *r)
{
	return r->in_cap ? r->in_u.heap : r->in_u.two;
}

/* A cycle edge; the array of them is kept sorted by pair. */
struct lg_back {
	uint64_t pair;          /* from index << 32 | to index */
	uint32_t payload;
};

struct lg_keyent {
	uint64_t key;
	uint32_t idx;
};

/* The key index: open addressing with linear probing, at most half full, so that finding a lock's node
 * (every new edge does two) costs one cache miss, not a walk down a chain of them.  Deletion shifts
 * the following run back (no tombstones). */
struct lg_kslot {
	uint64_t key;
	uint32_t idx1;          /* node index + 1; 0: empty */
};
#define KT_MIN_CAP 1024u

struct lockgraph {
	struct lg_rec *rec;
	uint32_t nrec, rec_cap;
	uint32_t *free_idx;     /* capacity kept >= nrec, so that pushing a freed slot cannot fail */
	uint32_t nfree, free_cap;
	struct lg_keyent *keys;         /* [rec's index] */
	uint32_t keys_cap;
	struct lg_kslot *kt;    /* key -> index (see struct lg_kslot) */
	uint32_t kt_mask, kt_used;
	struct lg_back *back;   /* cycle edges, sorted by pair */
	uint32_t nback, back_cap;
	uint32_t back_top;      /* highest ord of a cycle edge's source, when back_top_valid */
	int back_top_valid;
	uint32_t next_ord;      /* the next ord above every live node's */
	uint32_t low_ord;       /* the lowest ord dealt out so far: the next one below is low_ord - 1 */
	uint32_t epoch;
	size_t nsearches;       /* edges that went against the order (a Pearce-Kelly search) */
	size_t nlive;
	size_t nedges;

	/* Search scratch, reused by every search. */
	uint32_t *fwd;          /* forward BFS queue = the forward set, in visit order */
	uint32_t *parent;       /* parent[i]: queue position of the node that discovered fwd[i] */
	uint32_t nfwd, fwd_cap;
	uint32_t *bwd;          /* backward BFS queue = the backward set */
	uint32_t nbwd, bwd_cap;
	uint32_t *fbeyond;      /* nodes y reaches ordered above x (search_both) */
	uint32_t nfbeyond, fbeyond_cap;
	uint32_t *bbeyond;      /* nodes reaching x ordered below y */
	uint32_t nbbeyond, bbeyond_cap;
	uint64_t *sortkeys;     /* (ord << 32 | index), sorted to deal the ords out again */
	uint32_t *pool;         /* the affected ords, ascending */
	uint32_t sort_cap;
};

/* ---- small helpers ---------------------------------------------------------------------------- */

/* Grow arr (of elements of `size` bytes) to hold at least `need`; doubling keeps appends amortised
 * O(1).  Returns the possibly moved array, or NULL with arr and *cap untouched.  Room for at least one
 * element is always made, so that NULL only ever means failure. */
static void *grow_array(void *arr, uint32_t *cap, uint32_t need, size_t size, uint32_t min_cap)
{
	uint64_t new_cap = *cap ? *cap : min_cap;
	void *p;

	if (need == 0)
		need = 1;
	if (need <= *cap)
		return arr;
	while (new_cap < need)
		new_cap *= 2;
	if (new_cap > UINT32_MAX)
		new_cap = UINT32_MAX;
	if (new_cap > SIZE_MAX / size)
		return NULL;
	p = realloc(arr, (size_t)new_cap * size);
	if (p)
		*cap = (uint32_t)new_cap;
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorting the (ord, index) keys of a reorder is the graph's own hot spot when its order is repaired
 * again and again (a third of the time of 100k chain edges inserted in shuffled order): qsort pays a
 * call through a pointer per comparison, and in the shim it is the allocation-free heap sort of
 * shim/mem.c (glibc's would malloc).  So a quicksort of u64 keys, compared inline: median of three,
 * the smaller side first with the larger one looped, insertion sort below SMALL_SORT, and qsort for
 * a part that would recurse too deep (never with distinct keys in practice). */
#define SMALL_SORT 16

static void insertion_sort_u64(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/* Hoare partition around the median of first, middle and last: returns p with a[0..p) <= pivot <=
 * a[p..n), both parts non-empty. */
static size_t partition_u64(uint64_t *a, size_t n)
{
	size_t mid = n / 2;

	if (a[mid] < a[0])
		swap_u64(&a[mid], &a[0]);
	if (a[n - 1] < a[0])
		swap_u64(&a[n - 1], &a[0]);
	if (a[n - 1] < a[mid])
		swap_u64(&a[n - 1], &a[mid]);
	uint64_t pivot = a[mid];
	size_t i = 0, j = n - 1;

	for (;;) {
		while (a[i] < pivot)
			i++;
		while (a[j] > pivot)
			j--;
		if (i >= j)
			return j + 1;
		swap_u64(&a[i++], &a[j--]);
	}
}

static void sort_u64_depth(uint64_t *a, size_t n, unsigned depth)
{
	while (n > SMALL_SORT) {
		if (depth-- == 0) {
			qsort(a, n, sizeof *a, cmp_u64);
			return;
		}
		size_t p = partition_u64(a, n);

		if (p < n - p) {
			sort_u64_depth(a, p, depth);
			a += p;
			n -= p;
		} else {
			sort_u64_depth(a + p, n - p, depth);
			n = p;
		}
	}
	insertion_sort_u64(a, n);
}

/* 1 if a[0..n) ascends, after reversing it if it descended: a search along a chain of locks finds
 * its set in order (forward) or in reverse (backward), and then needs no sort at all. */
static int monotonic_u64(uint64_t *a, size_t n)
{
	size_t i = 1;

	while (i < n && a[i - 1] < a[i])
		i++;
	if (i >= n)
		return 1;
	if (i > 1)
		return 0;
	while (i < n && a[i - 1] > a[i])
		i++;
	if (i < n)
		return 0;
	for (size_t lo = 0, hi = n - 1; lo < hi; lo++, hi--)
		swap_u64(&a[lo], &a[hi]);
	return 1;
}

static void sort_u64(uint64_t *a, size_t n)
{
	if (!monotonic_u64(a, n))
		sort_u64_depth(a, n, 64);
}

static uint32_t idx_of(lg_node n)
{
	return (uint32_t)n;
}

static lg_node handle_of(const struct lockgraph *g, uint32_t idx)
{
	return (uint64_t)g->rec[idx].version << 32 | idx;
}

static struct lg_keyent *entry_at(const struct lockgraph *g, uint32_t idx)
{
	return &g->keys[idx];
}

/* Sort key that orders nodes by ord while carrying the index along. */
static uint64_t ord_key(const struct lockgraph *g, uint32_t idx)
{
	return (uint64_t)g->rec[idx].ord << 32 | idx;
}

static uint32_t ord_of_key(uint64_t k)
{
	return (uint32_t)(k >> 32);
}

static uint32_t idx_of_key(uint64_t k)
{
	return (uint32_t)k;
}

/* ---- edge arrays ------------------------------------------------------------------------------ */

/* A node with many out-edges (a hash table's lock taken before the lock of every entry it holds: a
 * DNS cache, an object cache) is asked about one of them at every new edge, every miss of a thread's
 * edge cache and every removal of a target; a scan of the array then made those O(out-degree), and a
 * program that keeps creating and destroying entries quadratic.  So an out-array of OUT_INDEX_MIN
 * or more slots carries, right after its out_cap elements in the same block, an index of 2 * out_cap
 * slots (linear probing, at most half full): position + 1 of the edge to a target, 0 empty. */
#define OUT_INDEX_MIN 64u

static int out_indexed(const struct lg_rec *r)
{
	return r->out_cap >= OUT_INDEX_MIN;
}

static uint32_t *out_index(const struct lg_rec *r)
{
	return (uint32_t *)(r->out_u.heap + r->out_cap);
}

static uint32_t out_index_mask(const struct lg_rec *r)
{
	return 2 * r->out_cap - 1;      /* out_cap is a power of two (grow_array doubles from 4) */
}

static uint32_t out_hash(uint32_t target)
{
	return (target * 0x9e3779b1u) ^ (target >> 16);
}

/* The index slot of target's edge, or of the empty slot where it would go. */
static uint32_t out_slot(const struct lg_rec *r, uint32_t target)
{
	const uint32_t *ix = out_index(r);
	uint32_t mask = out_index_mask(r), s = out_hash(target) & mask;

	while (ix[s] && r->out_u.heap[ix[s] - 1].target != target)
		s = (s + 1) & mask;
	return s;
}

static void out_index_rebuild(struct lg_rec *r)
{
	uint32_t *ix = out_index(r);

	memset(ix, 0, 2 * (size_t)r->out_cap * sizeof *ix);
	for (uint32_t i = 0; i < r->nout; i++)
		ix[out_slot(r, r->out_u.heap[i].target)] = i + 1;
}

/* Empties slot s and shifts the rest of its run back, so that no probe stops short (no tombstones). */
static void out_index_delete(struct lg_rec *r, uint32_t s)
{
	uint32_t *ix = out_index(r);
	uint32_t mask = out_index_mask(r), j = s;

	ix[s] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (!ix[j])
			return;
		uint32_t home = out_hash(r->out_u.heap[ix[j] - 1].target) & mask;
		/* ix[j] may move to s unless its home lies cyclically in (s, j]. */
		if (((j - home) & mask) >= ((j - s) & mask)) {
			ix[s] = ix[j];
			ix[j] = 0;
			s = j;
		}
	}
}

static const struct lg_out *find_out(const struct lg_rec *r, uint32_t target)
{
	const struct lg_out *o = outs_c(r);

	if (out_indexed(r)) {
		uint32_t pos1 = out_index(r)[out_slot(r, target)];
		return pos1 ? &o[pos1 - 1] : NULL;
	}
	for (uint32_t i = 0; i < r->nout; i++)
		if (o[i].target == target)
			return &o[i];
	return NULL;
}

/* Edge order inside an array carries no meaning, so removal swaps the last element in. */
static void remove_out(struct lg_rec *r, uint32_t target)
{
	struct lg_out *o = outs(r);
	const struct lg_out *e = find_out(r, target);

	if (!e)
		return;
	uint32_t i = (uint32_t)(e - o), last = r->nout - 1;
	if (out_indexed(r)) {
		out_index_delete(r, out_slot(r, target));
		if (i != last)
			out_index(r)[out_slot(r, o[last].target)] = i + 1;
	}
	o[i] = o[last];
	r->nout--;
}

static void remove_in(struct lg_rec *r, uint32_t source)
{
	uint32_t *in = ins(r);

	for (uint32_t i = 0; i < r->nin; i++) {
		if (in[i] == source) {
			in[i] = in[--r->nin];
			return;
		}
	}
}

/* Room for `need` elements in an edge array whose inline room is inline_cap: 0, or -1 (nothing
 * changed).  Leaving the inline room copies its elements out before the pointer overwrites them. */
static int grow_edges(void *inl, void **heap, uint32_t *cap, uint32_t inline_cap, uint32_t need, size_t size)
{
	if (need <= (*cap ? *cap : inline_cap))
		return 0;
	if (*cap) {
		void *p = grow_array(*heap, cap, need, size, 2 * inline_cap);
		if (!p)
			return -1;
		*heap = p;
		return 0;
	}
	uint32_t ncap = 0;
	void *p = grow_array(NULL, &ncap, need > 2 * inline_cap ? need : 2 * inline_cap, size, 2 * inline_cap);
	if (!p)
		return -1;
	memcpy(p, inl, (size_t)inline_cap * size);
	*heap = p;
	*cap = ncap;
	return 0;
}

/* grow_edges for an out-array, which from OUT_INDEX_MIN slots on carries its index in the same block
 * (so the block is sized, and the index rebuilt, here). */
static int grow_outs(struct lg_rec *r, uint32_t need)
{
	if (need <= (r->out_cap ? r->out_cap : OUT_INLINE))
		return 0;
	if (!r->out_cap || 2 * r->out_cap < OUT_INDEX_MIN)
		return grow_edges(r->out_u.one, (void **)&r->out_u.heap, &r->out_cap, OUT_INLINE, need,
				  sizeof(struct lg_out));
	/* An element and its two index slots: 16 bytes a slot, so grow_array's size check covers both. */
	uint32_t cap = r->out_cap;
	void *p = grow_array(r->out_u.heap, &cap, need, sizeof(struct lg_out) + 2 * sizeof(uint32_t), 0);
	if (!p)
		return -1;
	r->out_u.heap = p;
	r->out_cap = cap;
	out_index_rebuild(r);
	return 0;
}

/* Make room for x->y before anything is changed, so that the insertion itself cannot fail. */
static int reserve_edge(struct lockgraph *g, uint32_t x, uint32_t y)
{
	struct lg_rec *rx = &g->rec[x], *ry = &g->rec[y];

	if (grow_outs(rx, rx->nout + 1) < 0)
		return -1;
	return grow_edges(ry->in_u.two, (void **)&ry->in_u.heap, &ry->in_cap, IN_INLINE, ry->nin + 1,
			  sizeof(uint32_t));
}

static void append_edge(struct lockgraph *g, uint32_t x, uint32_t y, uint32_t payload)
{
	struct lg_rec *rx = &g->rec[x], *ry = &g->rec[y];
	struct lg_out *o = outs(rx);

	o[rx->nout].target = y;
	o[rx->nout].payload = payload;
	rx->nout++;
	if (out_indexed(rx))
		out_index(rx)[out_slot(rx, y)] = rx->nout;
	ins(ry)[ry->nin++] = x;
	g->nedges++;
}

static void free_edge_arrays(struct lg_rec *r)
{
	if (r->out_cap)
		free(r->out_u.heap);
	if (r->in_cap)
		free(r->in_u.heap);
	memset(&r->out_u, 0, sizeof r->out_u);
	memset(&r->in_u, 0, sizeof r->in_u);
	r->nout = r->out_cap = r->nin = r->in_cap = 0;
}

/* ---- cycle edges ------------------------------------------------------------------------------ */

static uint64_t cycle_pair(uint32_t from, uint32_t to)
{
	return (uint64_t)from << 32 | to;
}

static uint32_t back_from(const struct lg_back *b)
{
	return (uint32_t)(b->pair >> 32);
}

static uint32_t back_to(const struct lg_back *b)
{
	return (uint32_t)b->pair;
}

/* Position of the first cycle edge whose pair is >= pair (nback if none). */
static uint32_t back_lower_bound(const struct lockgraph *g, uint64_t pair)
{
	uint32_t lo = 0, hi = g->nback;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->back[mid].pair < pair)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct lg_back *find_cycle(const struct lockgraph *g, uint32_t from, uint32_t to)
{
	uint64_t pair;
	uint32_t i;

	/* The common case, a node that never closed a cycle, is answered without a search. */
	if (!g->rec[from].ncycle || !g->rec[to].ncycle)
		return NULL;
	pair = cycle_pair(from, to);
	i = back_lower_bound(g, pair);
	return i < g->nback && g->back[i].pair == pair ? &g->back[i] : NULL;
}

/* The cycle edges leaving idx are back[*first .. *end). */
static void back_out_range(const struct lockgraph *g, uint32_t idx, uint32_t *first, uint32_t *end)
{
	uint32_t i;

	*first = *end = 0;
	if (!g->rec[idx].ncycle)
		return;
	i = back_lower_bound(g, cycle_pair(idx, 0));
	*first = i;
	while (i < g->nback && back_from(&g->back[i]) == idx)
		i++;
	*end = i;
}

/* Insertion keeps the array sorted: O(cycle edges), and each one is a reported bug. */
static int remember_cycle(struct lockgraph *g, uint32_t from, uint32_t to, uint32_t payload)
{
	uint64_t pair = cycle_pair(from, to);
	uint32_t i;
	void *p = grow_array(g->back, &g->back_cap, g->nback + 1, sizeof *g->back, MIN_CAP);

	if (!p)
		return -1;
	g->back = p;
	i = back_lower_bound(g, pair);
	memmove(&g->back[i + 1], &g->back[i], (size_t)(g->nback - i) * sizeof *g->back);
	g->back[i].pair = pair;
	g->back[i].payload = payload;
	g->nback++;
	g->rec[from].ncycle++;
	g->rec[to].ncycle++;
	if (g->back_top_valid && g->rec[from].ord > g->back_top)
		g->back_top = g->rec[from].ord;
	return 0;
}

/* Cycle edges are few, so a scan of them all is cheap enough; it only happens for a node that has
 * some.  The survivors keep their order. */
static void forget_cycles_of(struct lockgraph *g, uint32_t idx)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < g->nback; i++) {
		struct lg_back b = g->back[i];

		if (back_from(&b) == idx || back_to(&b) == idx) {
			g->rec[back_from(&b)].ncycle--;
			g->rec[back_to(&b)].ncycle--;
			continue;
		}
		g->back[kept++] = b;
	}
	g->nback = kept;
	g->back_top_valid = 0;
}

/* The highest ord of a cycle edge's source: no node ordered above it has a cycle edge leaving it.
 * Recomputed only after something moved (a reorder, a removal). */
static uint32_t back_top(struct lockgraph *g)
{
	if (!g->back_top_valid) {
		g->back_top = 0;
		for (uint32_t i = 0; i < g->nback; i++)
			if (g->rec[back_from(&g->back[i])].ord > g->back_top)
				g->back_top = g->rec[back_from(&g->back[i])].ord;
		g->back_top_valid = 1;
	}
	return g->back_top;
}

/* ---- node slots ------------------------------------------------------------------------------- */

/* A brand-new slot at the end of the record array. */
static int append_slot(struct lockgraph *g, uint32_t *idx)
{
	uint32_t need = g->nrec + 1;
	void *p;

	if (g->nrec == UINT32_MAX)
		return -1;
	p = grow_array(g->free_idx, &g->free_cap, need, sizeof *g->free_idx, MIN_CAP);
	if (!p)
		return -1;
	g->free_idx = p;
	p = grow_array(g->rec, &g->rec_cap, need, sizeof *g->rec, MIN_CAP);
	if (!p)
		return -1;
	g->rec = p;
	p = grow_array(g->keys, &g->keys_cap, need, sizeof *g->keys, MIN_CAP);
	if (!p)
		return -1;
	g->keys = p;
	memset(&g->rec[g->nrec], 0, sizeof *g->rec);
	g->rec[g->nrec].version = 1;
	*idx = g->nrec++;
	return 0;
}

static int take_slot(struct lockgraph *g, uint32_t *idx)
{
	if (g->nfree) {
		*idx = g->free_idx[--g->nfree];
		return 0;
	}
	return append_slot(g, idx);
}

static void release_slot(struct lockgraph *g, uint32_t idx)
{
	g->free_idx[g->nfree++] = idx;
}

/* ---- order bookkeeping ------------------------------------------------------------------------ */

static int reserve_sort(struct lockgraph *g, uint32_t need)
{
	uint32_t cap = g->sort_cap;
	void *p;

	p = grow_array(g->sortkeys, &cap, need, sizeof *g->sortkeys, MIN_CAP);
	if (!p)
		return -1;
	g->sortkeys = p;
	cap = g->sort_cap;
	p = grow_array(g->pool, &cap, need, sizeof *g->pool, MIN_CAP);
	if (!p)
		return -1;
	g->pool = p;
	g->sort_cap = cap;
	return 0;
}

/* Ords are dealt out from the middle of their range both ways: a node placed above everything takes
 * next_ord, one placed below everything low_ord - 1.  When either end runs out, deal the live nodes out
 * again around the middle in their current order: relative order is all the invariant needs.  Happens
 * once per ~2e9 placements. */
static uint32_t ord_middle(void)
{
	return (uint32_t)(LG_ORD_LIMIT / 2);
}

static int renumber_orders(struct lockgraph *g)
{
	uint32_t n = 0;

	if (g->nlive + 4 >= LG_ORD_LIMIT / 2 || reserve_sort(g, (uint32_t)g->nlive) < 0)
		return -1;
	for (uint32_t i = 0; i < g->nrec; i++)
		if (g->rec[i].live)
			g->sortkeys[n++] = ord_key(g, i);
	sort_u64(g->sortkeys, n);
	uint32_t first = ord_middle() - n / 2;
	for (uint32_t i = 0; i < n; i++)
		g->rec[idx_of_key(g->sortkeys[i])].ord = first + i;
	g->low_ord = first;
	g->next_ord = first + n;
	g->back_top_valid = 0;
	return 0;
}

/* A node without edges may take any ord no other node has: above all others... */
static int new_ord(struct lockgraph *g, uint32_t *ord)
{
	if (g->next_ord >= LG_ORD_LIMIT && renumber_orders(g) < 0)
		return -1;
	*ord = g->next_ord++;
	return 0;
}

/* ... or below all others. */
static int new_low_ord(struct lockgraph *g, uint32_t *ord)
{
	if (g->low_ord <= 1 && renumber_orders(g) < 0)
		return -1;
	*ord = --g->low_ord;
	return 0;
}

static int has_no_edges(const struct lg_rec *r)
{
	return !r->nout && !r->nin && !r->ncycle;
}

/* Start a new search; "visited" is mark == epoch, so nothing has to be cleared between searches
 * except when the counter wraps. */
static void next_epochs(struct lockgraph *g, uint32_t count)
{
	/* All the marks a search uses are dealt out after any clearing: a mark given out before it would
	 * be left on nodes once the counter comes round to it again. */
	if (g->epoch > LG_EPOCH_LIMIT - count) {
		for (uint32_t i = 0; i < g->nrec; i++)
			g->rec[i].mark = 0;
		g->epoch = 0;
	}
	g->epoch += count;
}

static void next_epoch(struct lockgraph *g)
{
	next_epochs(g, 1);
}

/* ---- Pearce-Kelly search and reorder ---------------------------------------------------------- */

static int push_fwd(struct lockgraph *g, uint32_t idx, uint32_t parent, uint32_t mark)
{
	uint32_t cap = g->fwd_cap;
	void *p;

	if (g->nfwd == g->fwd_cap) {
		p = grow_array(g->fwd, &cap, g->nfwd + 1, sizeof *g->fwd, MIN_CAP);
		if (!p)
			return -1;
		g->fwd = p;
		cap = g->fwd_cap;
		p = grow_array(g->parent, &cap, g->nfwd + 1, sizeof *g->parent, MIN_CAP);
		if (!p)
			return -1;
		g->parent = p;
		g->fwd_cap = cap;
	}
	g->fwd[g->nfwd] = idx;
	g->parent[g->nfwd] = parent;
	g->nfwd++;
	g->rec[idx].mark = mark;
	return 0;
}

/* Append idx to one of the search queues (*arr, *n, *cap) and mark it. */
static int push_queue(struct lockgraph *g, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t idx, uint32_t mark)
{
	void *p = grow_array(*arr, cap, *n + 1, sizeof **arr, MIN_CAP);

	if (!p)
		return -1;
	*arr = p;
	(*arr)[(*n)++] = idx;
	g->rec[idx].mark = mark;
	return 0;
}

static int push_bwd(struct lockgraph *g, uint32_t idx, uint32_t mark)
{
	return push_queue(g, &g->bwd, &g->nbwd, &g->bwd_cap, idx, mark);
}

static int visit_fwd(struct lockgraph *g, uint32_t z, uint32_t head, uint32_t x, uint32_t bound,
		     uint32_t *hit)
{
	if (z == x) {
		*hit = head;
		return 1;
	}
	if (g->rec[z].mark == g->epoch || g->rec[z].ord > bound)
		return 0;
	return push_fwd(g, z, head, g->epoch) < 0 ? -1 : 0;
}

/* BFS from y for x over main edges (and cycle edges too when with_cycle_edges), through nodes ordered
 * at most `bound`.  Returns 1 with *hit = queue position of the node whose edge reaches x, 0 when x is
 * unreachable (fwd[] then holds every node visited), -1 when out of memory.
 * Main edges only, bound = ord[x]: any path y->...->x lies there, since ords grow along every main
 * edge, and fwd[] is then Pearce-Kelly's forward set. */
static int forward_search(struct lockgraph *g, uint32_t x, uint32_t y, uint32_t bound, int with_cycle_edges,
			  uint32_t *hit)
{
	next_epoch(g);
	g->nfwd = 0;
	if (push_fwd(g, y, 0, g->epoch) < 0)
		return -1;
	for (uint32_t head = 0; head < g->nfwd; head++) {
		uint32_t w = g->fwd[head], first, end;
		int r = 0;

		for (uint32_t i = 0; i < g->rec[w].nout && !r; i++)
			r = visit_fwd(g, outs(&g->rec[w])[i].target, head, x, bound, hit);
		if (with_cycle_edges && !r) {
			back_out_range(g, w, &first, &end);
			for (uint32_t i = first; i < end && !r; i++)
				r = visit_fwd(g, back_to(&g->back[i]), head, x, bound, hit);
		}
		if (r)
			return r;
	}
	return 0;
}

/* One step of the forward BFS from y: the successors of w.  Those ordered below x join the forward set
 * (fwd[]), the others fbeyond[] (fmark: visited by it).  1 when one of them is x or reaches x (bmark:
 * found by the backward search), -1 out of memory. */
static int step_fwd(struct lockgraph *g, uint32_t w_idx, uint32_t head, uint32_t x, uint32_t fmark, uint32_t bmark)
{
	const struct lg_rec *w = &g->rec[w_idx];
	const struct lg_out *out = outs_c(w);
	uint32_t bound = g->rec[x].ord;

	for (uint32_t i = 0; i < w->nout; i++) {
		uint32_t z = out[i].target, mark = g->rec[z].mark;

		if (z == x || mark == bmark)
			return 1;
		if (mark == fmark)
			continue;
		if ((g->rec[z].ord < bound ? push_fwd(g, z, head, fmark)
					   : push_queue(g, &g->fbeyond, &g->nfbeyond, &g->fbeyond_cap, z, fmark)) < 0)
			return -1;
	}
	return 0;
}

/* One step of the backward BFS from x: the predecessors of w.  Those ordered above y join the
 * backward set (bwd[]), the others bbeyond[].  1 when one of them was reached from y (fmark): a
 * cycle; -1 out of memory. */
static int step_bwd(struct lockgraph *g, uint32_t w_idx, uint32_t y, uint32_t fmark, uint32_t bmark)
{
	const struct lg_rec *w = &g->rec[w_idx];
	const uint32_t *in = ins_c(w);
	uint32_t bound = g->rec[y].ord;

	for (uint32_t i = 0; i < w->nin; i++) {
		uint32_t s = in[i], mark = g->rec[s].mark;

		if (mark == fmark)
			return 1;
		if (mark == bmark)
			continue;
		if ((g->rec[s].ord > bound ? push_bwd(g, s, bmark)
					   : push_queue(g, &g->bbeyond, &g->nbbeyond, &g->bbeyond_cap, s, bmark)) < 0)
			return -1;
	}
	return 0;
}

/* What search_both found for an edge x->y against the order. */
enum fix {
	FIX_NOMEM = -1,
	FIX_SETS,               /* Pearce-Kelly's two sets, complete: deal their ords out again */
	FIX_CYCLE,              /* y reaches x */
	FIX_RAISE,              /* everything y reaches (fwd[] and fbeyond[]): move it above every node */
	FIX_LOWER,              /* everything reaching x (bwd[] and bbeyond[]): move it below every node */
};

/* Room above every node for n more ords, and below every node for n more. */
static int room_above(const struct lockgraph *g, uint32_t n)
{
	return (uint64_t)g->next_ord + n < LG_ORD_LIMIT;
}

static int room_below(const struct lockgraph *g, uint32_t n)
{
	return g->low_ord > n + 1;
}

/* Pearce-Kelly's two sets for an edge x->y against the order: F, the nodes y reaches ordered below x
 * (fwd[]), and B, the nodes reaching x ordered above y (bwd[]), each found by a BFS.  The two BFS
 * advance in turn, one node each, because each is a chase of pointers (a lock chain is a path): every
 * visit waits for the record it reads, and two independent chases overlap those waits.  Each marks
 * its own nodes; meeting the other's mark (or x) means y reaches x, a cycle: neither set is complete
 * then (the caller searches again alone for the path to report).
 * A side whose set is complete goes on past it, to everything its end reaches (y's successors ordered
 * above x, x's predecessors below y): all of what y reaches can also be moved above every node, or
 * all of what reaches x below every node, and the edge then fits just as well.  Whichever is complete
 * first is the fix, so that two long chains of locks joining pay for the shorter one, not for both
 * sets of Pearce-Kelly's region (ords are dealt out from the middle both ways, so locks that join
 * chains from either end would otherwise span the whole order). */
static enum fix search_both(struct lockgraph *g, uint32_t x, uint32_t y)
{
	next_epochs(g, 2);
	uint32_t fmark = g->epoch - 1, bmark = g->epoch;
	uint32_t fh = 0, fbh = 0, bh = 0, bbh = 0;

	g->nfwd = g->nbwd = g->nfbeyond = g->nbbeyond = 0;
	if (push_fwd(g, y, 0, fmark) < 0 || push_bwd(g, x, bmark) < 0)
		return FIX_NOMEM;
	for (;;) {
		int f_set = fh >= g->nfwd, b_set = bh >= g->nbwd, r = 0;

		if (f_set && b_set)
			return FIX_SETS;
		if (f_set && fbh >= g->nfbeyond && room_above(g, g->nfwd + g->nfbeyond))
			return FIX_RAISE;
		if (b_set && bbh >= g->nbbeyond && room_below(g, g->nbwd + g->nbbeyond))
			return FIX_LOWER;
		if (!f_set)
			r = step_fwd(g, g->fwd[fh], fh, x, fmark, bmark), fh++;
		else if (fbh < g->nfbeyond)
			r = step_fwd(g, g->fbeyond[fbh++], 0, x, fmark, bmark);
		if (r == 0 && !b_set)
			r = step_bwd(g, g->bwd[bh++], y, fmark, bmark);
		else if (r == 0 && bbh < g->nbbeyond)
			r = step_bwd(g, g->bbeyond[bbh++], y, fmark, bmark);
		if (r)
			return r > 0 ? FIX_CYCLE : FIX_NOMEM;
	}
}

/* The nodes of two queues, as (ord, index) keys in sortkeys, in ascending order of ord.  -1 when out of memory. */
static int sort_queues(struct lockgraph *g, const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	if (reserve_sort(g, na + nb) < 0)
		return -1;
	for (uint32_t i = 0; i < na; i++)
		g->sortkeys[i] = ord_key(g, a[i]);
	for (uint32_t i = 0; i < nb; i++)
		g->sortkeys[na + i] = ord_key(g, b[i]);
	sort_u64(g->sortkeys, na + nb);
	return 0;
}

/* FIX_RAISE: what y reaches, closed under successors, takes new ords above every node in its own
 * order.  Edges into it come from below, and none leave it.  -1 (nothing changed) when out of memory. */
static int raise_reach(struct lockgraph *g)
{
	uint32_t n = g->nfwd + g->nfbeyond;

	if (sort_queues(g, g->fwd, g->nfwd, g->fbeyond, g->nfbeyond) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		g->rec[idx_of_key(g->sortkeys[i])].ord = g->next_ord++;
	return 0;
}

/* FIX_LOWER: what reaches x, closed under predecessors, takes new ords below every node. */
static int lower_coreach(struct lockgraph *g)
{
	uint32_t n = g->nbwd + g->nbbeyond;

	if (sort_queues(g, g->bwd, g->nbwd, g->bbeyond, g->nbbeyond) < 0)
		return -1;
	g->low_ord -= n;
	for (uint32_t i = 0; i < n; i++)
		g->rec[idx_of_key(g->sortkeys[i])].ord = g->low_ord + i;
	return 0;
}

/* Sorted ords of the two (each already ord-sorted) halves of sortkeys, merged into pool. */
static void merge_ords(struct lockgraph *g, uint32_t nb, uint32_t nf)
{
	const uint64_t *b = g->sortkeys, *f = g->sortkeys + nb;
	uint32_t i = 0, j = 0, k = 0;

	while (i < nb && j < nf)
		g->pool[k++] = ord_of_key(b[i]) < ord_of_key(f[j]) ? ord_of_key(b[i++]) : ord_of_key(f[j++]);
	while (i < nb)
		g->pool[k++] = ord_of_key(b[i++]);
	while (j < nf)
		g->pool[k++] = ord_of_key(f[j++]);
}

/* Give the backward set, then the forward set, the same ords they held between them, each set keeping
 * its internal order.  Afterwards all of B precedes all of F (so x before y).  Edges touching the region
 * from outside stay upward: B's ords can only go down and F's only up; a predecessor of B outside it is
 * below ord[y] and a successor of F outside it is above ord[x], i.e. beyond both ends of the pool.
 * -1 (nothing changed) when out of memory. */
static int reorder(struct lockgraph *g)
{
	uint32_t nb = g->nbwd, nf = g->nfwd, n = nb + nf;

	if (reserve_sort(g, n) < 0)
		return -1;
	for (uint32_t i = 0; i < nb; i++)
		g->sortkeys[i] = ord_key(g, g->bwd[i]);
	for (uint32_t i = 0; i < nf; i++)
		g->sortkeys[nb + i] = ord_key(g, g->fwd[i]);
	sort_u64(g->sortkeys, nb);
	sort_u64(g->sortkeys + nb, nf);
	merge_ords(g, nb, nf);
	for (uint32_t i = 0; i < n; i++)
		g->rec[idx_of_key(g->sortkeys[i])].ord = g->pool[i];
	return 0;
}

/* Number of nodes on the BFS path from y (queue position 0) to fwd[pos]. */
static size_t path_depth(const struct lockgraph *g, uint32_t pos)
{
	size_t n = 1;

	for (; pos != 0; pos = g->parent[pos])
		n++;
	return n;
}

/* path = y ... fwd[hit], x; only the first `cap` entries are written. */
static size_t fill_path(const struct lockgraph *g, uint32_t x, uint32_t hit, lg_node *path, size_t cap)
{
	size_t len = path_depth(g, hit) + 1;
	size_t i = len - 1;

	if (path && i < cap)
		path[i] = handle_of(g, x);
	for (uint32_t pos = hit;; pos = g->parent[pos]) {
		i--;
		if (path && i < cap)
			path[i] = handle_of(g, g->fwd[pos]);
		if (pos == 0)
			break;
	}
	return len;
}

/* Fill the caller's path from the search that just hit (see lg_add_edge). */
static void closed_path(const struct lockgraph *g, uint32_t x, uint32_t hit, lg_node *path, size_t path_cap,
			size_t *path_len)
{
	size_t len = fill_path(g, x, hit, path, path_cap);

	if (path_len)
		*path_len = len;
}

/* Once cycle edges exist: is there a path y->...->x over main and cycle edges?  1 (path filled), 0, or
 * -1 when out of memory.  Nodes ordered above both x and every cycle edge's source cannot lead back
 * to x (see the top of this file), so they are not visited. */
static int search_through_cycle_edges(struct lockgraph *g, uint32_t x, uint32_t y, lg_node *path,
				      size_t path_cap, size_t *path_len)
{
	uint32_t hit = 0, bound = back_top(g);
	int found;

	if (bound < g->rec[x].ord)
		bound = g->rec[x].ord;
	if (g->rec[y].ord > bound)
		return 0;
	found = forward_search(g, x, y, bound, 1, &hit);
	if (found > 0)
		closed_path(g, x, hit, path, path_cap, path_len);
	return found;
}

/* x->y agrees with the order, so it joins the main edges; it closes a cycle only through cycle edges. */
static enum lg_result insert_in_order(struct lockgraph *g, uint32_t x, uint32_t y, uint32_t payload,
				      lg_node *path, size_t path_cap, size_t *path_len)
{
	int closes = 0;

	if (g->nback) {
		closes = search_through_cycle_edges(g, x, y, path, path_cap, path_len);
		if (closes < 0)
			return LG_NOMEM;
	}
	if (reserve_edge(g, x, y) < 0)
		return LG_NOMEM;
	append_edge(g, x, y, payload);
	return closes ? LG_CYCLE : LG_ADDED;
}

/* x->y goes against the current order.  With cycle edges around, the shortest path back from y to x
 * over all edges is found first (it is the cycle to report); then the Pearce-Kelly search over main
 * edges decides where the edge goes: a main path y->...->x makes it a cycle edge (the main edges stay
 * acyclic), else the order is repaired and it joins the main edges.  A failure to remember a cycle
 * edge only costs a repeated report later, so the cycle is reported regardless: a missed deadlock
 * report is worse than a duplicate one. */
static enum lg_result insert_with_search(struct lockgraph *g, uint32_t x, uint32_t y, uint32_t payload,
					 lg_node *path, size_t path_cap, size_t *path_len)
{
	uint32_t hit = 0;
	int closes = 0, found;

	if (g->nback) {
		closes = search_through_cycle_edges(g, x, y, path, path_cap, path_len);
		if (closes < 0)
			return LG_NOMEM;
	}
	enum fix fix = search_both(g, x, y);
	if (fix == FIX_NOMEM)
		return LG_NOMEM;
	found = 0;
	if (fix == FIX_CYCLE && (found = forward_search(g, x, y, g->rec[x].ord, 0, &hit)) <= 0)
		return LG_NOMEM;        /* 0 cannot be: the search above saw y reach x over main edges */
	if (found) {
		if (!closes)
			closed_path(g, x, hit, path, path_cap, path_len);
		(void)remember_cycle(g, x, y, payload);
		return LG_CYCLE;
	}
	if (reserve_edge(g, x, y) < 0 ||
	    (fix == FIX_SETS ? reorder(g) : fix == FIX_RAISE ? raise_reach(g) : lower_coreach(g)) < 0)
		return LG_NOMEM;
	append_edge(g, x, y, payload);
	g->back_top_valid = 0;          /* sources of cycle edges may have moved */
	return closes ? LG_CYCLE : LG_ADDED;
}

/* ---- public API ------------------------------------------------------------------------------- */

struct lockgraph *lg_new(void)
{
	struct lockgraph *g = calloc(1, sizeof *g);

	if (g)
		g->next_ord = g->low_ord = ord_middle();
	return g;
}

void lg_free(struct lockgraph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nrec; i++)
		free_edge_arrays(&g->rec[i]);
	free(g->back);
	free(g->kt);
	free(g->keys);
	free(g->rec);
	free(g->free_idx);
	free(g->fwd);
	free(g->parent);
	free(g->bwd);
	free(g->fbeyond);
	free(g->bbeyond);
	free(g->sortkeys);
	free(g->pool);
	free(g);
}

static uint32_t kt_home(const struct lockgraph *g, uint64_t key)
{
	return uthash_fast_mix64(&key) & g->kt_mask;
}

/* The slot holding key, or -1. */
static int64_t kt_find(const struct lockgraph *g, uint64_t key)
{
	if (!g->kt)
		return -1;
	for (uint32_t i = kt_home(g, key);; i = (i + 1) & g->kt_mask) {
		const struct lg_kslot *s = &g->kt[i];
		if (!s->idx1)
			return -1;
		if (s->key == key)
			return i;
	}
}

static void kt_put(struct lg_kslot *kt, uint32_t mask, uint64_t key, uint32_t idx1)
{
	uint32_t i = uthash_fast_mix64(&key) & mask;
	while (kt[i].idx1)
		i = (i + 1) & mask;
	kt[i].key = key;
	kt[i].idx1 = idx1;
}

/* Room for one more key: 0, or -1 when the table cannot grow (then nothing changed). */
static int kt_reserve(struct lockgraph *g)
{
	uint32_t cap = g->kt ? g->kt_mask + 1 : 0;
	if ((uint64_t)(g->kt_used + 1) * 2 <= cap)
		return 0;
	uint32_t ncap = cap ? cap * 2 : KT_MIN_CAP;
	if (ncap < cap)
		return -1;
	struct lg_kslot *nkt = calloc(ncap, sizeof *nkt);
	if (!nkt)
		return g->kt_used + 1 < cap ? 0 : -1;   /* fuller than we like, but still probes to an end */
	for (uint32_t i = 0; i < cap; i++)
		if (g->kt[i].idx1)
			kt_put(nkt, ncap - 1, g->kt[i].key, g->kt[i].idx1);
	free(g->kt);
	g->kt = nkt;
	g->kt_mask = ncap - 1;
	return 0;
}

static void kt_delete(struct lockgraph *g, uint64_t key)
{
	int64_t found = kt_find(g, key);
	if (found < 0)
		return;
	uint32_t hole = (uint32_t)found, mask = g->kt_mask;
	/* Move back every later entry of the run whose home does not lie cyclically in (hole, i]. */
	for (uint32_t i = (hole + 1) & mask; g->kt[i].idx1; i = (i + 1) & mask) {
		uint32_t home = kt_home(g, g->kt[i].key);
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			g->kt[hole] = g->kt[i];
			hole = i;
		}
	}
	g->kt[hole].idx1 = 0;
	g->kt_used--;
}

lg_node lg_node_find(const struct lockgraph *g, uint64_t key)
{
	int64_t i = kt_find(g, key);
	return i >= 0 ? handle_of(g, g->kt[i].idx1 - 1) : 0;
}

static lg_node create_node(struct lockgraph *g, uint64_t key, int indexed)
{
	struct lg_keyent *e;
	uint32_t idx, ord;

	if ((indexed && kt_reserve(g) < 0) || new_ord(g, &ord) < 0 || take_slot(g, &idx) < 0)
		return 0;
	e = entry_at(g, idx);
	e->key = key;
	e->idx = idx;
	if (indexed) {
		kt_put(g->kt, g->kt_mask, key, idx + 1);
		g->kt_used++;
	}
	g->rec[idx].ord = ord;
	g->rec[idx].mark = 0;
	g->rec[idx].live = indexed ? LIVE_INDEXED : LIVE_OWN;
	g->nlive++;
	return handle_of(g, idx);
}

lg_node lg_node_get(struct lockgraph *g, uint64_t key)
{
	lg_node n = lg_node_find(g, key);

	return n ? n : create_node(g, key, 1);
}

lg_node lg_node_new(struct lockgraph *g, uint64_t key)
{
	return create_node(g, key, 0);
}

uint32_t lg_node_index(lg_node n)
{
	return idx_of(n);
}

lg_node lg_node_at(const struct lockgraph *g, uint32_t index)
{
	return index < g->nrec && g->rec[index].live ? handle_of(g, index) : 0;
}

void lg_node_prefetch(const struct lockgraph *g, uint32_t index)
{
	if (index < g->nrec)
		__builtin_prefetch(&g->rec[index], 0, 3);
}

int lg_node_valid(const struct lockgraph *g, lg_node n)
{
	uint32_t idx = idx_of(n);

	return idx < g->nrec && g->rec[idx].live && g->rec[idx].version == (uint32_t)(n >> 32);
}

/* 0 for a stale handle (indistinguishable from a real key 0: check lg_node_valid first). */
uint64_t lg_node_key(const struct lockgraph *g, lg_node n)
{
	return lg_node_valid(g, n) ? entry_at(g, idx_of(n))->key : 0;
}

static void detach_edges(struct lockgraph *g, uint32_t idx)
{
	struct lg_rec *r = &g->rec[idx];

	for (uint32_t i = 0; i < r->nout; i++)
		remove_in(&g->rec[outs(r)[i].target], idx);
	for (uint32_t i = 0; i < r->nin; i++)
		remove_out(&g->rec[ins(r)[i]], idx);
	g->nedges -= (size_t)r->nout + r->nin;
	free_edge_arrays(r);
}

static void put_payload(uint32_t *out, size_t cap, size_t *n, uint32_t payload)
{
	if (*n < cap)
		out[*n] = payload;
	(*n)++;
}

size_t lg_node_payloads(const struct lockgraph *g, lg_node n, uint32_t *out, size_t cap)
{
	size_t count = 0;
	if (!lg_node_valid(g, n))
		return 0;
	uint32_t idx = idx_of(n);
	const struct lg_rec *r = &g->rec[idx];
	for (uint32_t i = 0; i < r->nout; i++)
		put_payload(out, cap, &count, outs_c(r)[i].payload);
	for (uint32_t i = 0; i < r->nin; i++) {
		const struct lg_out *e = find_out(&g->rec[ins_c(r)[i]], idx);
		if (e)
			put_payload(out, cap, &count, e->payload);
	}
	for (uint32_t i = 0; r->ncycle && i < g->nback; i++)
		if (back_from(&g->back[i]) == idx || back_to(&g->back[i]) == idx)
			put_payload(out, cap, &count, g->back[i].payload);
	return count;
}

void lg_node_remove(struct lockgraph *g, lg_node n)
{
	uint32_t idx = idx_of(n);
	struct lg_rec *r;

	if (!lg_node_valid(g, n))
		return;
	detach_edges(g, idx);
	if (g->rec[idx].ncycle)
		forget_cycles_of(g, idx);
	r = &g->rec[idx];
	if (r->live == LIVE_INDEXED)
		kt_delete(g, entry_at(g, idx)->key);
	r->live = 0;
	r->version = r->version == UINT32_MAX ? 1 : r->version + 1;   /* 0 would allow handle 0 */
	release_slot(g, idx);
	g->nlive--;
}

/* x->y goes against the order, but an end without edges is free to move: the source below every
 * node, or the target above every node, and the edge agrees with the order without a search.  Nodes
 * are created at the top, so this is what keeps a new lock's first edge *out of* it (it is the source:
 * the held lock, first taken before locks that already have edges) from searching and reordering
 * everything ordered between its two ends.  On failure to get an ord, nothing moves (the search
 * handles the edge). */
static void place_edgeless_end(struct lockgraph *g, uint32_t x, uint32_t y)
{
	uint32_t ord;

	if (has_no_edges(&g->rec[x]) && new_low_ord(g, &ord) == 0)
		g->rec[x].ord = ord;
	else if (has_no_edges(&g->rec[y]) && new_ord(g, &ord) == 0)
		g->rec[y].ord = ord;
}

/* On any result other than LG_CYCLE, *path_len is set to 0. */
enum lg_result lg_add_edge(struct lockgraph *g, lg_node from, lg_node to, uint32_t payload,
			   lg_node *path, size_t path_cap, size_t *path_len)
{
	uint32_t x = idx_of(from), y = idx_of(to);

	if (path_len)
		*path_len = 0;
	if (!lg_node_valid(g, from) || !lg_node_valid(g, to))
		return LG_BAD_NODE;
	if (x == y)
		return LG_SELF;
	if (find_out(&g->rec[x], y))
		return LG_EXISTS;
	if (find_cycle(g, x, y))
		return LG_KNOWN_CYCLE;
	if (g->rec[x].ord > g->rec[y].ord)
		place_edgeless_end(g, x, y);
	if (g->rec[x].ord < g->rec[y].ord)
		return insert_in_order(g, x, y, payload, path, path_cap, path_len);
	g->nsearches++;
	return insert_with_search(g, x, y, payload, path, path_cap, path_len);
}

int lg_cycle_through(struct lockgraph *g, lg_node from, lg_node to, lg_node *path, size_t path_cap,
		     size_t *path_len)
{
	uint32_t payload;

	if (from == to || !lg_edge_payload(g, from, to, &payload))
		return 0;
	/* Without cycle edges the graph is acyclic: nothing leads back from to. */
	if (!g->nback)
		return 0;
	return search_through_cycle_edges(g, idx_of(from), idx_of(to), path, path_cap, path_len);
}

int lg_edge_payload(const struct lockgraph *g, lg_node from, lg_node to, uint32_t *payload)
{
	const struct lg_out *e;
	const struct lg_back *c;

	if (!lg_node_valid(g, from) || !lg_node_valid(g, to))
		return 0;
	e = find_out(&g->rec[idx_of(from)], idx_of(to));
	if (e) {
		*payload = e->payload;
		return 1;
	}
	c = find_cycle(g, idx_of(from), idx_of(to));
	if (c) {
		*payload = c->payload;
		return 1;
	}
	return 0;
}

size_t lg_node_count(const struct lockgraph *g)
{
	return g->nlive;
}

size_t lg_edge_count(const struct lockgraph *g)
{
	return g->nedges;
}

size_t lg_cycle_edge_count(const struct lockgraph *g)
{
	return g->nback;
}

size_t lg_search_count(const struct lockgraph *g)
{
	return g->nsearches;
}

static size_t edge_array_bytes(const struct lockgraph *g)
{
	size_t b = 0;

	for (uint32_t i = 0; i < g->nrec; i++)
		b += g->rec[i].out_cap * (sizeof(struct lg_out) + (out_indexed(&g->rec[i]) ? 2 * sizeof(uint32_t) : 0)) +
		     g->rec[i].in_cap * sizeof(uint32_t);       /* 0 inline */
	return b;
}

static size_t scratch_bytes(const struct lockgraph *g)
{
	return (size_t)g->fwd_cap * (sizeof *g->fwd + sizeof *g->parent) + (size_t)g->bwd_cap * sizeof *g->bwd +
	       ((size_t)g->fbeyond_cap + g->bbeyond_cap) * sizeof(uint32_t) +
	       (size_t)g->sort_cap * (sizeof *g->sortkeys + sizeof *g->pool);
}

/* Requested bytes (capacities), not counting the allocator's own per-block overhead.  O(nodes). */
size_t lg_memory_bytes(const struct lockgraph *g)
{
	size_t b = sizeof *g;

	b += (size_t)g->rec_cap * sizeof *g->rec + (size_t)g->free_cap * sizeof *g->free_idx;
	b += (size_t)g->keys_cap * sizeof *g->keys;
	b += g->kt ? ((size_t)g->kt_mask + 1) * sizeof *g->kt : 0;
	b += (size_t)g->back_cap * sizeof *g->back;
	return b + edge_array_bytes(g) + scratch_bytes(g);
}

/* ---- invariant checks (tests only; O(nodes + edges + sum of in-degree squared)) ------------------ */

static int check_slots(const struct lockgraph *g)
{
	size_t live = 0;

	for (uint32_t i = 0; i < g->nrec; i++) {
		const struct lg_rec *r = &g->rec[i];

		if (r->version == 0)
			return 0;
		if (!r->live && (r->nout || r->nin || r->ncycle))
			return 0;
		live += r->live != 0;
	}
	return live == g->nlive && g->nfree + live == g->nrec && g->free_cap >= g->nrec;
}

static int check_free_list(const struct lockgraph *g)
{
	for (uint32_t i = 0; i < g->nfree; i++)
		if (g->free_idx[i] >= g->nrec || g->rec[g->free_idx[i]].live)
			return 0;
	return 1;
}

/* Every indexed live node is found under its key, and every hash entry is an indexed live node's own
 * entry. */
static int check_key_table(const struct lockgraph *g)
{
	size_t indexed = 0;
	for (uint32_t i = 0; i < g->nrec; i++) {
		if (g->rec[i].live == LIVE_INDEXED && lg_node_find(g, entry_at(g, i)->key) != handle_of(g, i))
			return 0;
		indexed += g->rec[i].live == LIVE_INDEXED;
	}
	if (g->kt_used != indexed)
		return 0;
	for (uint32_t i = 0; g->kt && i <= g->kt_mask; i++) {
		uint32_t idx1 = g->kt[i].idx1;
		if (idx1 && (idx1 - 1 >= g->nrec || g->rec[idx1 - 1].live != LIVE_INDEXED || entry_at(g, idx1 - 1)->key != g->kt[i].key))
			return 0;
	}
	return 1;
}

static int check_distinct_ords(const struct lockgraph *g)
{
	uint64_t *ords = malloc((g->nlive + 1) * sizeof *ords);
	size_t n = 0;
	int ok = 1;

	if (!ords)
		return 0;
	for (uint32_t i = 0; i < g->nrec; i++)
		if (g->rec[i].live)
			ords[n++] = g->rec[i].ord;
	qsort(ords, n, sizeof *ords, cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (ords[i] == ords[i - 1])
			ok = 0;
	for (size_t i = 0; i < n; i++)
		if (ords[i] < g->low_ord || ords[i] >= g->next_ord)
			ok = 0;
	free(ords);
	return ok;
}

static int in_array_has(const struct lg_rec *r, uint32_t source)
{
	for (uint32_t i = 0; i < r->nin; i++)
		if (ins_c(r)[i] == source)
			return 1;
	return 0;
}

/* Out-edges of u: live targets, no duplicates, upward in the order, mirrored in the target's in-array.
 * stamp[v] == u + 1 marks "already seen from u". */
static int check_out_edges(const struct lockgraph *g, uint32_t u, uint32_t *stamp)
{
	const struct lg_rec *r = &g->rec[u];

	for (uint32_t i = 0; i < r->nout; i++) {
		uint32_t v = outs_c(r)[i].target;

		if (v >= g->nrec || !g->rec[v].live || stamp[v] == u + 1)
			return 0;
		stamp[v] = u + 1;
		if (r->ord >= g->rec[v].ord || !in_array_has(&g->rec[v], u) || find_out(r, v) != &outs_c(r)[i])
			return 0;       /* the last: an indexed array's index misses or misplaces the edge */
	}
	return 1;
}

/* In-entries of v: live sources, no duplicates.  (Their mirror is implied: every out-edge has a
 * distinct in-entry and the totals are compared.) */
static int check_in_edges(const struct lockgraph *g, uint32_t v, uint32_t *stamp)
{
	const struct lg_rec *r = &g->rec[v];

	for (uint32_t i = 0; i < r->nin; i++) {
		uint32_t u = ins_c(r)[i];

		if (u >= g->nrec || !g->rec[u].live || stamp[u] == v + 1)
			return 0;
		stamp[u] = v + 1;
	}
	return 1;
}

static int check_edges(const struct lockgraph *g)
{
	uint32_t *out_stamp = calloc((size_t)g->nrec + 1, sizeof *out_stamp);
	uint32_t *in_stamp = calloc((size_t)g->nrec + 1, sizeof *in_stamp);
	size_t nout = 0, nin = 0;
	int ok = out_stamp && in_stamp;

	for (uint32_t i = 0; ok && i < g->nrec; i++) {
		if (!g->rec[i].live)
			continue;
		ok = check_out_edges(g, i, out_stamp) && check_in_edges(g, i, in_stamp);
		nout += g->rec[i].nout;
		nin += g->rec[i].nin;
	}
	free(out_stamp);
	free(in_stamp);
	return ok && nout == g->nedges && nin == g->nedges;
}

/* Cycle edges join live nodes, are not also normal edges, are sorted without duplicates, the per-node
 * counts match, and a valid back_top bounds every source. */
static int check_cycles(const struct lockgraph *g)
{
	uint32_t *count = calloc((size_t)g->nrec + 1, sizeof *count);
	int ok = count != NULL;

	for (uint32_t i = 0; ok && i < g->nback; i++) {
		uint32_t from = back_from(&g->back[i]), to = back_to(&g->back[i]);

		if (from >= g->nrec || to >= g->nrec || from == to || !g->rec[from].live || !g->rec[to].live ||
		    find_out(&g->rec[from], to) || (i > 0 && g->back[i - 1].pair >= g->back[i].pair) ||
		    (g->back_top_valid && g->rec[from].ord > g->back_top)) {
			ok = 0;
			break;
		}
		count[from]++;
		count[to]++;
	}
	for (uint32_t i = 0; ok && i < g->nrec; i++)
		ok = count[i] == g->rec[i].ncycle;
	free(count);
	return ok;
}

int lg_check_invariants(const struct lockgraph *g)
{
	return check_slots(g) && check_free_list(g) && check_key_table(g) && check_distinct_ords(g) &&
	       check_edges(g) && check_cycles(g);
}
