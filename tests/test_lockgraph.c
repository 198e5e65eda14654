/* Unit test of graph/lockgraph.c (Automake plain test protocol: exit 0 = pass, 1 = fail).
 *
 * Each scenario is a function named after what it checks.  A failing check prints the scenario, the
 * line and the expression to stderr and the run continues, so one run lists every failure.
 *
 * The 100k-node scale scenario fails above 2 s.  Under valgrind or a sanitizer set
 * LOCKGRAPH_TEST_NO_TIME_LIMIT=1 to still print the time but not enforce it.
 */
#include "lockgraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *scenario = "";
static int failures;

static int check(int ok, int line, const char *what)
{
	if (!ok) {
		fprintf(stderr, "FAIL [%s] test_lockgraph.c:%d: %s\n", scenario, line, what);
		failures++;
	}
	return ok;
}

#define CHECK(expr) check((expr) != 0, __LINE__, #expr)

/* ---- helpers ---------------------------------------------------------------------------------- */

#define MAX_PATH 64

struct attempt {
	enum lg_result res;
	size_t len;
	lg_node path[MAX_PATH];
};

static struct attempt add(struct lockgraph *g, lg_node from, lg_node to, uint32_t payload)
{
	struct attempt a;

	memset(&a, 0, sizeof a);
	a.res = lg_add_edge(g, from, to, payload, a.path, MAX_PATH, &a.len);
	return a;
}

static int path_is(const struct attempt *a, const lg_node *expect, size_t n)
{
	if (a->res != LG_CYCLE || a->len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (a->path[i] != expect[i])
			return 0;
	return 1;
}

/* Nodes for keys first..first+n-1, created in that order (so their initial order follows the keys). */
static void make_nodes(struct lockgraph *g, lg_node *n, size_t count, uint64_t first)
{
	for (size_t i = 0; i < count; i++)
		n[i] = lg_node_get(g, first + i);
}

/* Same, but created last key first, so that every edge low key -> high key goes against the initial
 * order: between nodes that already have edges it needs a search and a reorder (an end without edges
 * is moved instead: test_edgeless_ends_never_search). */
static void make_nodes_reversed(struct lockgraph *g, lg_node *n, size_t count, uint64_t first)
{
	for (size_t i = count; i-- > 0;)
		n[i] = lg_node_get(g, first + i);
}

static uint64_t rng_state;

/* splitmix64: a fixed seed gives the same run everywhere. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- 1. two locks taken in both orders ----------------------------------------------------------- */

static void test_two_cycle(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 0xA), b = lg_node_get(g, 0xB);
	struct attempt r;

	scenario = "2-cycle";
	CHECK(add(g, a, b, 1).res == LG_ADDED);
	r = add(g, b, a, 2);
	/* adding B->A: the path runs to -> ... -> from, i.e. A -> B */
	CHECK(r.res == LG_CYCLE);
	CHECK(r.len == 2);
	CHECK(r.path[0] == a && r.path[1] == b);
	CHECK(lg_edge_count(g) == 1);
	CHECK(lg_cycle_edge_count(g) == 1);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* lg_cycle_through: an existing edge on a cycle gives the path back from its target, as LG_CYCLE does;
 * one on no cycle, a missing edge and a self pair give 0; the graph is unchanged. */
static void test_cycle_through_existing_edge(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 0xA), b = lg_node_get(g, 0xB), c = lg_node_get(g, 0xC), d = lg_node_get(g, 0xD);
	lg_node path[MAX_PATH];
	size_t len = 0;

	scenario = "cycle through an existing edge";
	CHECK(add(g, a, b, 1).res == LG_ADDED);
	CHECK(add(g, c, d, 2).res == LG_ADDED);
	CHECK(lg_cycle_through(g, a, b, path, MAX_PATH, &len) == 0);       /* acyclic */
	CHECK(add(g, b, c, 3).res == LG_ADDED);
	CHECK(add(g, c, a, 4).res == LG_CYCLE);                              /* a->b->c->a */
	CHECK(lg_cycle_through(g, a, b, path, MAX_PATH, &len) == 1);
	CHECK(len == 3 && path[0] == b && path[1] == c && path[2] == a);
	CHECK(lg_cycle_through(g, c, a, path, MAX_PATH, &len) == 1);        /* the cycle edge itself */
	CHECK(len == 3 && path[0] == a && path[1] == b && path[2] == c);
	CHECK(lg_cycle_through(g, c, d, path, MAX_PATH, &len) == 0);        /* off the cycle */
	CHECK(lg_cycle_through(g, b, a, path, MAX_PATH, &len) == 0);        /* no such edge */
	CHECK(lg_cycle_through(g, a, a, path, MAX_PATH, &len) == 0);
	CHECK(lg_edge_count(g) == 3 && lg_cycle_edge_count(g) == 1);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* ---- 2. a chain closed into a cycle -------------------------------------------------------------- */

static void check_chain_cycle(size_t len, int reversed)
{
	struct lockgraph *g = lg_new();
	lg_node n[16];
	struct attempt r;

	if (reversed)
		make_nodes_reversed(g, n, len, 100);
	else
		make_nodes(g, n, len, 100);
	for (size_t i = 0; i + 1 < len; i++)
		CHECK(add(g, n[i], n[i + 1], (uint32_t)i).res == LG_ADDED);
	CHECK(lg_check_invariants(g));
	r = add(g, n[len - 1], n[0], 999);
	CHECK(path_is(&r, n, len));
	CHECK(lg_edge_count(g) == len - 1);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

static void test_cycles_of_length_3_4_10(void)
{
	const size_t lengths[] = { 3, 4, 10 };

	scenario = "chain cycles";
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		check_chain_cycle(lengths[i], 0);
		check_chain_cycle(lengths[i], 1);
	}
}

/* ---- 3. of two routes the shortest is reported --------------------------------------------------- */

static void test_shortest_path_reported(void)
{
	struct lockgraph *g = lg_new();
	lg_node s = lg_node_get(g, 1), f = lg_node_get(g, 2);
	lg_node a1 = lg_node_get(g, 11), a2 = lg_node_get(g, 12), a3 = lg_node_get(g, 13), a4 = lg_node_get(g, 14);
	lg_node b1 = lg_node_get(g, 21);
	lg_node short_route[] = { s, b1, f };
	struct attempt r;

	scenario = "shortest path";
	/* the long route is added first, so it is the one a depth-first search would follow */
	CHECK(add(g, s, a1, 0).res == LG_ADDED);
	CHECK(add(g, a1, a2, 0).res == LG_ADDED);
	CHECK(add(g, a2, a3, 0).res == LG_ADDED);
	CHECK(add(g, a3, a4, 0).res == LG_ADDED);
	CHECK(add(g, a4, f, 0).res == LG_ADDED);
	CHECK(add(g, s, b1, 0).res == LG_ADDED);
	CHECK(add(g, b1, f, 0).res == LG_ADDED);
	r = add(g, f, s, 0);
	CHECK(path_is(&r, short_route, 3));
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* A path longer than the caller's buffer: full length reported, only the buffer written. */
static void test_truncated_path(void)
{
	struct lockgraph *g = lg_new();
	lg_node n[10], path[4] = { 0, 0, 0, 0 };
	size_t len = 0;

	scenario = "truncated path";
	make_nodes(g, n, 10, 500);
	for (size_t i = 0; i + 1 < 10; i++)
		add(g, n[i], n[i + 1], 0);
	CHECK(lg_add_edge(g, n[9], n[0], 0, path, 3, &len) == LG_CYCLE);
	CHECK(len == 10);
	CHECK(path[0] == n[0] && path[1] == n[1] && path[2] == n[2]);
	CHECK(path[3] == 0);
	lg_free(g);
	/* and no buffer at all */
	g = lg_new();
	make_nodes(g, n, 3, 500);
	add(g, n[0], n[1], 0);
	add(g, n[1], n[2], 0);
	CHECK(lg_add_edge(g, n[2], n[0], 0, NULL, 0, &len) == LG_CYCLE && len == 3);
	lg_free(g);
}

/* ---- 4. diamonds, edges in every insertion order ------------------------------------------------- */

/* A->B, A->C, B->D, C->D as index pairs into {A, B, C, D}. */
static const int diamond[4][2] = { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } };

static void check_diamond_in_order(const int order[4], int reversed)
{
	struct lockgraph *g = lg_new();
	lg_node n[4];
	struct attempt r;

	if (reversed)
		make_nodes_reversed(g, n, 4, 0xD0);
	else
		make_nodes(g, n, 4, 0xD0);
	for (int i = 0; i < 4; i++)
		CHECK(add(g, n[diamond[order[i]][0]], n[diamond[order[i]][1]], 0).res == LG_ADDED);
	CHECK(lg_edge_count(g) == 4);
	CHECK(lg_check_invariants(g));
	/* closing D->A: a shortest path A -> (B or C) -> D */
	r = add(g, n[3], n[0], 0);
	CHECK(r.res == LG_CYCLE && r.len == 3);
	CHECK(r.path[0] == n[0] && (r.path[1] == n[1] || r.path[1] == n[2]) && r.path[2] == n[3]);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* Decodes p (0..255) as four base-4 digits; 1 if they are a permutation of 0..3. */
static int permutation_of_4(int p, int order[4])
{
	int seen = 0;

	for (int i = 0; i < 4; i++, p /= 4) {
		order[i] = p % 4;
		seen |= 1 << order[i];
	}
	return seen == 0xf;
}

static void test_diamonds_without_cycles(void)
{
	int order[4], tried = 0;

	scenario = "diamond DAGs";
	for (int p = 0; p < 256; p++) {
		if (!permutation_of_4(p, order))
			continue;
		check_diamond_in_order(order, 0);
		check_diamond_in_order(order, 1);
		tried++;
	}
	CHECK(tried == 24);
}

/* ---- 5. duplicates ----------------------------------------------------------------------------- */

static void test_dedup(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 1), b = lg_node_get(g, 2);
	struct attempt r;

	scenario = "dedup";
	CHECK(add(g, a, b, 1).res == LG_ADDED);
	CHECK(add(g, b, a, 2).res == LG_CYCLE);
	r = add(g, b, a, 3);
	CHECK(r.res == LG_KNOWN_CYCLE);
	CHECK(r.len == 0);
	CHECK(add(g, a, b, 4).res == LG_EXISTS);
	CHECK(add(g, a, a, 5).res == LG_SELF);
	CHECK(lg_edge_count(g) == 1);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* ---- 5b. cycles that need an edge which closed a cycle before ------------------------------------- */

/* Nodes A, B, C created in the order given by perm (so every insertion path of the graph is used). */
static void make_abc(struct lockgraph *g, lg_node n[3], int perm)
{
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };

	for (int i = 0; i < 3; i++)
		n[orders[perm][i]] = lg_node_get(g, 0xA0 + (uint64_t)orders[perm][i]);
}

/* The example of coffman issue 10: A->B, B->A (reported), then A->C and C->B.  The three-lock cycle
 * A->C->B->A needs the edge B->A, which closed the first cycle: it is a different deadlock and is
 * reported too, with the path B->A->C that C->B closes. */
static void test_cycle_through_cycle_edge(void)
{
	scenario = "cycle through a cycle edge";
	for (int perm = 0; perm < 6; perm++) {
		struct lockgraph *g = lg_new();
		lg_node n[3], a, b, c;
		struct attempt r;
		uint32_t payload = 0;

		make_abc(g, n, perm);
		a = n[0], b = n[1], c = n[2];
		CHECK(add(g, a, b, 1).res == LG_ADDED);
		r = add(g, b, a, 2);
		CHECK(r.res == LG_CYCLE && r.len == 2 && r.path[0] == a && r.path[1] == b);
		CHECK(lg_cycle_edge_count(g) == 1);
		CHECK(add(g, a, c, 3).res == LG_ADDED);
		r = add(g, c, b, 4);
		lg_node expect[] = { b, a, c };
		CHECK(path_is(&r, expect, 3));
		/* no main path B->...->C, so C->B joins the main edges: a repeat is plain EXISTS */
		CHECK(lg_edge_count(g) == 3 && lg_cycle_edge_count(g) == 1);
		CHECK(add(g, c, b, 5).res == LG_EXISTS);
		CHECK(add(g, b, a, 6).res == LG_KNOWN_CYCLE);
		CHECK(lg_edge_payload(g, c, b, &payload) && payload == 4);
		CHECK(lg_check_invariants(g));
		/* removing A drops the cycle edge B->A with it; what is left has no cycle */
		lg_node_remove(g, a);
		CHECK(lg_edge_count(g) == 1 && lg_cycle_edge_count(g) == 0);
		CHECK(lg_check_invariants(g));
		lg_free(g);
	}
}

/* A path that needs two cycle edges: A<->B and C<->D are reported 2-cycles, C->B links them, and A->D
 * then closes D->C->B->A (both cycle edges on it). */
static void test_path_through_two_cycle_edges(void)
{
	struct lockgraph *g = lg_new();
	lg_node n[4];
	struct attempt r;

	scenario = "two cycle edges on one path";
	make_nodes_reversed(g, n, 4, 0x40);
	lg_node a = n[0], b = n[1], c = n[2], d = n[3];
	CHECK(add(g, a, b, 0).res == LG_ADDED);
	CHECK(add(g, b, a, 0).res == LG_CYCLE);
	CHECK(add(g, c, d, 0).res == LG_ADDED);
	CHECK(add(g, d, c, 0).res == LG_CYCLE);
	CHECK(add(g, c, b, 0).res == LG_ADDED);
	r = add(g, a, d, 0);
	lg_node expect[] = { d, c, b, a };
	CHECK(path_is(&r, expect, 4));
	CHECK(lg_edge_count(g) == 4 && lg_cycle_edge_count(g) == 2);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* The same locks in a second, different cycle: the triangle X->Y->Z->X, then its reverse taken one
 * edge at a time.  Each new edge closes a cycle of its own (X->Z closes X->Z->X with the cycle edge
 * Z->X, and so on), and each is reported once, with the shortest path. */
static void test_every_new_edge_reports_its_shortest_cycle(void)
{
	struct lockgraph *g = lg_new();
	lg_node x = lg_node_get(g, 1), y = lg_node_get(g, 2), z = lg_node_get(g, 3);
	struct attempt r;

	scenario = "each new edge, its shortest cycle";
	CHECK(add(g, x, y, 0).res == LG_ADDED);
	CHECK(add(g, y, z, 0).res == LG_ADDED);
	r = add(g, z, x, 0);
	CHECK(r.res == LG_CYCLE && r.len == 3);
	r = add(g, x, z, 0);                            /* Z->X is a cycle edge: X->Z->X */
	CHECK(r.res == LG_CYCLE && r.len == 2 && r.path[0] == z && r.path[1] == x);
	r = add(g, z, y, 0);                            /* Y->Z main: Z->Y->Z */
	CHECK(r.res == LG_CYCLE && r.len == 2 && r.path[0] == y && r.path[1] == z);
	r = add(g, y, x, 0);                            /* X->Y main: Y->X->Y */
	CHECK(r.res == LG_CYCLE && r.len == 2 && r.path[0] == x && r.path[1] == y);
	CHECK(add(g, y, x, 0).res == LG_KNOWN_CYCLE);
	CHECK(lg_edge_count(g) + lg_cycle_edge_count(g) == 6);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* A new lock taken under an old one, after cycles exist elsewhere: no cycle, still plain ADDED. */
static void test_cycle_edges_elsewhere_do_not_matter(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 1), b = lg_node_get(g, 2), c = lg_node_get(g, 3), d, e;
	struct attempt r;

	scenario = "unrelated cycle edges";
	CHECK(add(g, a, b, 0).res == LG_ADDED);
	CHECK(add(g, b, a, 0).res == LG_CYCLE);
	CHECK(add(g, b, c, 0).res == LG_ADDED);
	d = lg_node_get(g, 4);
	e = lg_node_get(g, 5);
	CHECK(add(g, c, d, 0).res == LG_ADDED);
	CHECK(add(g, a, e, 0).res == LG_ADDED);
	r = add(g, d, b, 0);                            /* B->C->D main: a cycle edge, shortest path */
	lg_node expect[] = { b, c, d };
	CHECK(path_is(&r, expect, 3));
	CHECK(lg_cycle_edge_count(g) == 2);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* ---- 6. removing a lock -------------------------------------------------------------------------- */

static void test_node_removal(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 0xA), b = lg_node_get(g, 0xB), c = lg_node_get(g, 0xC), b2;
	uint32_t payload;

	scenario = "node removal";
	CHECK(add(g, a, b, 0).res == LG_ADDED);
	CHECK(add(g, b, c, 0).res == LG_ADDED);
	lg_node_remove(g, b);
	CHECK(lg_edge_count(g) == 0);
	CHECK(lg_node_count(g) == 2);
	CHECK(lg_check_invariants(g));
	/* with B gone, A no longer reaches C */
	CHECK(add(g, c, a, 0).res == LG_ADDED);
	/* the old handle of B is stale */
	CHECK(!lg_node_valid(g, b));
	CHECK(add(g, a, b, 0).res == LG_BAD_NODE);
	CHECK(add(g, b, c, 0).res == LG_BAD_NODE);
	CHECK(lg_node_find(g, 0xB) == 0);
	lg_node_remove(g, b);   /* no-op */
	CHECK(lg_node_count(g) == 2);
	/* key B again: a new lock with nothing attached, even if it reuses B's slot */
	b2 = lg_node_get(g, 0xB);
	CHECK(b2 != 0 && b2 != b);
	CHECK(lg_node_valid(g, b2));
	CHECK(!lg_node_valid(g, b));
	CHECK(lg_node_key(g, b2) == 0xB);
	CHECK(!lg_edge_payload(g, a, b2, &payload));
	CHECK(!lg_edge_payload(g, b2, c, &payload));
	CHECK(add(g, b2, a, 0).res == LG_ADDED);        /* C->A and B->A: no cycle */
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

static void test_removed_node_forgets_cycle_edges(void)
{
	struct lockgraph *g = lg_new();
	lg_node x = lg_node_get(g, 0x10), y = lg_node_get(g, 0x20), y2;
	uint32_t payload;

	scenario = "removal forgets cycle edges";
	CHECK(add(g, x, y, 1).res == LG_ADDED);
	CHECK(add(g, y, x, 2).res == LG_CYCLE);
	lg_node_remove(g, y);
	CHECK(!lg_edge_payload(g, y, x, &payload));
	CHECK(lg_check_invariants(g));
	y2 = lg_node_get(g, 0x20);
	CHECK(!lg_edge_payload(g, y2, x, &payload));
	CHECK(add(g, x, y2, 3).res == LG_ADDED);
	/* the same two locks in both orders again: a new report, not "known" */
	CHECK(add(g, y2, x, 4).res == LG_CYCLE);
	/* removing the other endpoint forgets it too */
	lg_node_remove(g, x);
	x = lg_node_get(g, 0x10);
	CHECK(add(g, y2, x, 5).res == LG_ADDED);
	CHECK(add(g, x, y2, 6).res == LG_CYCLE);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* ---- 7. payloads --------------------------------------------------------------------------------- */

static void test_payload_round_trip(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 1), b = lg_node_get(g, 2), c = lg_node_get(g, 3);
	uint32_t payload = 0;

	scenario = "payload";
	CHECK(add(g, a, b, 17).res == LG_ADDED);
	CHECK(add(g, b, a, 99).res == LG_CYCLE);
	CHECK(lg_edge_payload(g, a, b, &payload) && payload == 17);
	CHECK(lg_edge_payload(g, b, a, &payload) && payload == 99);
	CHECK(!lg_edge_payload(g, a, c, &payload));
	/* neither a repeated edge nor a repeated cycle edge overwrites the first payload */
	CHECK(add(g, a, b, 5).res == LG_EXISTS);
	CHECK(lg_edge_payload(g, a, b, &payload) && payload == 17);
	CHECK(add(g, b, a, 6).res == LG_KNOWN_CYCLE);
	CHECK(lg_edge_payload(g, b, a, &payload) && payload == 99);
	CHECK(add(g, b, c, UINT32_MAX).res == LG_ADDED);
	CHECK(lg_edge_payload(g, b, c, &payload) && payload == UINT32_MAX);
	lg_free(g);
}

/* A lock about to be destroyed: every payload its removal drops is listed, in- and out-edges and cycle
 * edges alike, and nothing else. */
static void test_node_payloads(void)
{
	struct lockgraph *g = lg_new();
	lg_node a = lg_node_get(g, 1), b = lg_node_get(g, 2), c = lg_node_get(g, 3), d = lg_node_get(g, 4);
	uint32_t got[8] = { 0 };
	int seen[8] = { 0 };

	scenario = "node payloads";
	CHECK(add(g, a, b, 1).res == LG_ADDED);
	CHECK(add(g, b, c, 2).res == LG_ADDED);
	CHECK(add(g, c, d, 3).res == LG_ADDED);
	CHECK(add(g, c, b, 4).res == LG_CYCLE);         /* cycle edge touching b */
	size_t n = lg_node_payloads(g, b, got, 8);
	CHECK(n == 3);                                  /* a->b in, b->c out, c->b cycle */
	for (size_t i = 0; i < n && i < 8; i++)
		if (got[i] < 8)
			seen[got[i]]++;
	CHECK(seen[1] == 1 && seen[2] == 1 && seen[4] == 1 && seen[3] == 0);
	CHECK(lg_node_payloads(g, b, got, 1) == 3);     /* total reported past cap */
	CHECK(lg_node_payloads(g, d, got, 8) == 1 && got[0] == 3);
	lg_node_remove(g, b);
	CHECK(lg_node_payloads(g, b, got, 8) == 0);     /* stale handle */
	CHECK(lg_node_payloads(g, c, got, 8) == 1 && got[0] == 3);
	lg_free(g);
}

/* ---- 8. scale ------------------------------------------------------------------------------------ */

#define SCALE_NODES 100000u
#define SCALE_EDGES 100000u

struct edge {
	uint32_t from, to;
};

/* The test's own copy of the scale graph (CSR), the oracle for the closing edge. */
struct adjacency {
	uint32_t n;
	uint32_t *start;        /* out-edges of u: adj[start[u] .. start[u+1]) */
	uint32_t *adj;
};

static void build_adjacency(struct adjacency *a, const struct edge *e, size_t ne, uint32_t n)
{
	uint32_t *fill = malloc(n * sizeof *fill);

	a->n = n;
	a->start = calloc(n + 1, sizeof *a->start);
	a->adj = malloc(ne * sizeof *a->adj);
	for (size_t i = 0; i < ne; i++)
		a->start[e[i].from + 1]++;
	for (uint32_t i = 0; i < n; i++)
		a->start[i + 1] += a->start[i];
	memcpy(fill, a->start, n * sizeof *fill);
	for (size_t i = 0; i < ne; i++)
		a->adj[fill[e[i].from]++] = e[i].to;
	free(fill);
}

/* Breadth-first from src; returns the last node reached, which is one of the farthest. */
static uint32_t bfs_farthest(const struct adjacency *a, uint32_t src, uint32_t *dist, uint32_t *queue)
{
	uint32_t head = 0, tail = 0;

	for (uint32_t i = 0; i < a->n; i++)
		dist[i] = UINT32_MAX;
	dist[src] = 0;
	queue[tail++] = src;
	while (head < tail) {
		uint32_t u = queue[head++];

		for (uint32_t k = a->start[u]; k < a->start[u + 1]; k++)
			if (dist[a->adj[k]] == UINT32_MAX) {
				dist[a->adj[k]] = dist[u] + 1;
				queue[tail++] = a->adj[k];
			}
	}
	return queue[tail - 1];
}

/* Of the lowest keys (they have the most descendants), the source with the longest shortest path:
 * closing that path makes the longest cycle the test can check exactly. */
static void pick_far_pair(const struct edge *e, size_t ne, uint32_t n, uint32_t *src, uint32_t *dst,
			  uint32_t *distance)
{
	struct adjacency a;
	uint32_t *dist = malloc(n * sizeof *dist), *queue = malloc(n * sizeof *queue);

	build_adjacency(&a, e, ne, n);
	*distance = 0;
	*src = *dst = 0;
	for (uint32_t s = 0; s < 100 && s < n; s++) {
		uint32_t t = bfs_farthest(&a, s, dist, queue);

		if (dist[t] > *distance) {
			*src = s;
			*dst = t;
			*distance = dist[t];
		}
	}
	free(a.start);
	free(a.adj);
	free(dist);
	free(queue);
}

/* Node i's key looks like a lock address; nodes are created in shuffled order so that the graph's
 * initial order disagrees with the key order every edge follows. */
static uint64_t scale_key(uint32_t i)
{
	return 0x7f0000001000ull + (uint64_t)i * 64;
}

static void create_shuffled(struct lockgraph *g, lg_node *node, uint32_t n)
{
	uint32_t *perm = malloc(n * sizeof *perm);

	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd_below(i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint32_t i = 0; i < n; i++)
		node[perm[i]] = lg_node_get(g, scale_key(perm[i]));
	for (uint32_t i = 0; i < n; i++)
		if (!CHECK(node[i] != 0))
			break;
	free(perm);
}

/* Random pairs, always lower key -> higher key: never a cycle, but half of them against the order. */
static size_t add_random_edges(struct lockgraph *g, const lg_node *node, struct edge *added, uint32_t n,
			       uint32_t m)
{
	size_t nadded = 0;

	for (uint32_t i = 0; i < m; i++) {
		uint32_t u = rnd_below(n), v = rnd_below(n);
		enum lg_result res;

		if (u == v)
			continue;
		if (u > v) {
			uint32_t t = u;
			u = v;
			v = t;
		}
		res = lg_add_edge(g, node[u], node[v], i, NULL, 0, NULL);
		if (!CHECK(res == LG_ADDED || res == LG_EXISTS))
			break;  /* one line is enough; the rest would repeat it */
		if (res == LG_ADDED)
			added[nadded++] = (struct edge){ u, v };
	}
	return nadded;
}

/* Every step of the reported path is an edge of the graph. */
static int path_is_connected(const struct lockgraph *g, const lg_node *path, size_t len)
{
	uint32_t payload;

	for (size_t i = 0; i + 1 < len; i++)
		if (!lg_edge_payload(g, path[i], path[i + 1], &payload))
			return 0;
	return 1;
}

static void test_scale_100k(void)
{
	struct lockgraph *g = lg_new();
	lg_node *node = malloc(SCALE_NODES * sizeof *node), path[MAX_PATH];
	struct edge *added = malloc(SCALE_EDGES * sizeof *added);
	uint32_t src, dst, distance;
	size_t nadded, len = 0, bytes, budget;
	double t0, t_build, t_close, t_check;
	enum lg_result res;
	int ok;

	scenario = "scale 100k";
	rng_state = 42;
	t0 = now_seconds();
	create_shuffled(g, node, SCALE_NODES);
	nadded = add_random_edges(g, node, added, SCALE_NODES, SCALE_EDGES);
	t_build = now_seconds() - t0;

	pick_far_pair(added, nadded, SCALE_NODES, &src, &dst, &distance);
	t0 = now_seconds();
	res = lg_add_edge(g, node[dst], node[src], 0, path, MAX_PATH, &len);
	t_close = now_seconds() - t0;
	if (CHECK(res == LG_CYCLE) && CHECK(distance >= 2 && len == (size_t)distance + 1 && len <= MAX_PATH)) {
		CHECK(path[0] == node[src] && path[len - 1] == node[dst]);
		CHECK(path_is_connected(g, path, len));
	}

	t0 = now_seconds();
	ok = lg_check_invariants(g);
	t_check = now_seconds() - t0;
	CHECK(ok);
	CHECK(lg_node_count(g) == SCALE_NODES);
	CHECK(lg_edge_count(g) == nadded);

	bytes = lg_memory_bytes(g);
	budget = 256 * (size_t)SCALE_NODES + 64 * nadded;
	printf("scale: %u nodes, %zu edges, build %.3f s, closing edge %.6f s (cycle of %zu), "
	       "invariant check %.3f s\n", SCALE_NODES, nadded, t_build, t_close, len, t_check);
	printf("scale: memory %zu bytes: %.1f per node, %.1f per edge; budget 256/node + 64/edge = %zu\n",
	       bytes, (double)bytes / SCALE_NODES, (double)bytes / (double)nadded, budget);
	CHECK(bytes <= budget);
	if (!getenv("LOCKGRAPH_TEST_NO_TIME_LIMIT"))
		CHECK(t_build + t_close < 2.0);

	/* removing every node leaves nothing behind */
	for (uint32_t i = 0; i < SCALE_NODES; i += 2)
		lg_node_remove(g, node[i]);
	CHECK(lg_node_count(g) == SCALE_NODES / 2);
	CHECK(lg_check_invariants(g));
	for (uint32_t i = 1; i < SCALE_NODES; i += 2)
		lg_node_remove(g, node[i]);
	CHECK(lg_node_count(g) == 0 && lg_edge_count(g) == 0);
	lg_free(g);
	free(node);
	free(added);
}

/* ---- 9. differential test against a naive oracle ------------------------------------------------- */

#define ORACLE_KEYS 50
#define ORACLE_GRAPHS 10
#define ORACLE_OPS 2000

struct oracle {
	lg_node handle[ORACLE_KEYS];    /* 0: no node for this key */
	lg_node stale[ORACLE_KEYS];     /* the handle a removal invalidated */
	unsigned char edge[ORACLE_KEYS][ORACLE_KEYS];
	unsigned char cycle[ORACLE_KEYS][ORACLE_KEYS];
	uint32_t payload[ORACLE_KEYS][ORACLE_KEYS];
	size_t nedges, ncycles, nnodes;
};

/* An edge of the oracle: a main one, or also a cycle edge when `all`. */
static int oracle_edge(const struct oracle *o, int u, int v, int all)
{
	return o->edge[u][v] || (all && o->cycle[u][v]);
}

/* Plain depth-first reachability over the oracle's main edges (all: and its cycle edges). */
static int oracle_reaches(const struct oracle *o, int from, int to, int all)
{
	int stack[ORACLE_KEYS], sp = 0;
	unsigned char seen[ORACLE_KEYS] = { 0 };

	stack[sp++] = from;
	seen[from] = 1;
	while (sp > 0) {
		int u = stack[--sp];

		if (u == to)
			return 1;
		for (int v = 0; v < ORACLE_KEYS; v++)
			if (oracle_edge(o, u, v, all) && !seen[v]) {
				seen[v] = 1;
				stack[sp++] = v;
			}
	}
	return 0;
}

/* Number of edges on a shortest path over main and cycle edges (breadth-first), -1 if none. */
static int oracle_distance(const struct oracle *o, int from, int to)
{
	int queue[ORACLE_KEYS], dist[ORACLE_KEYS], head = 0, tail = 0;

	for (int i = 0; i < ORACLE_KEYS; i++)
		dist[i] = -1;
	dist[from] = 0;
	queue[tail++] = from;
	while (head < tail) {
		int u = queue[head++];

		for (int v = 0; v < ORACLE_KEYS; v++)
			if (oracle_edge(o, u, v, 1) && dist[v] < 0) {
				dist[v] = dist[u] + 1;
				queue[tail++] = v;
			}
	}
	return dist[to];
}

static int key_of_handle(const struct oracle *o, lg_node n)
{
	for (int k = 0; k < ORACLE_KEYS; k++)
		if (o->handle[k] == n)
			return k;
	return -1;
}

/* The reported path is y -> ... -> x along existing edges of both sets, with the minimal number of
 * nodes. */
static int oracle_path_ok(const struct oracle *o, const struct attempt *r, int x, int y)
{
	int prev = -1;

	if (r->len != (size_t)oracle_distance(o, y, x) + 1 || r->len > MAX_PATH)
		return 0;
	for (size_t i = 0; i < r->len; i++) {
		int k = key_of_handle(o, r->path[i]);

		if (k < 0 || (i == 0 && k != y) || (prev >= 0 && !oracle_edge(o, prev, k, 1)))
			return 0;
		prev = k;
	}
	return prev == x;
}

static lg_node oracle_node(struct lockgraph *g, struct oracle *o, int k)
{
	if (!o->handle[k]) {
		o->handle[k] = lg_node_get(g, (uint64_t)k + 1000);
		o->nnodes++;
	}
	return o->handle[k];
}

static void oracle_add(struct lockgraph *g, struct oracle *o, int x, int y, uint32_t payload)
{
	lg_node from = oracle_node(g, o, x), to = oracle_node(g, o, y);
	struct attempt r = add(g, from, to, payload);

	if (x == y) {
		CHECK(r.res == LG_SELF);
	} else if (o->edge[x][y]) {
		CHECK(r.res == LG_EXISTS);
	} else if (o->cycle[x][y]) {
		CHECK(r.res == LG_KNOWN_CYCLE);
	} else if (oracle_reaches(o, y, x, 1)) {
		/* a cycle through the new edge; it joins the main edges unless they would be cyclic */
		CHECK(r.res == LG_CYCLE);
		CHECK(oracle_path_ok(o, &r, x, y));
		if (oracle_reaches(o, y, x, 0)) {
			o->cycle[x][y] = 1;
			o->ncycles++;
		} else {
			o->edge[x][y] = 1;
			o->nedges++;
		}
		o->payload[x][y] = payload;
	} else {
		CHECK(r.res == LG_ADDED);
		o->edge[x][y] = 1;
		o->payload[x][y] = payload;
		o->nedges++;
	}
}

static void oracle_remove(struct lockgraph *g, struct oracle *o, int k)
{
	if (!o->handle[k])
		return;
	lg_node_remove(g, o->handle[k]);
	for (int i = 0; i < ORACLE_KEYS; i++) {
		o->nedges -= o->edge[k][i] + o->edge[i][k];
		o->ncycles -= o->cycle[k][i] + o->cycle[i][k];
		o->edge[k][i] = o->edge[i][k] = 0;
		o->cycle[k][i] = o->cycle[i][k] = 0;
	}
	o->stale[k] = o->handle[k];
	o->handle[k] = 0;
	o->nnodes--;
}

/* A handle from before a removal must be refused, not alias the key's new node. */
static void oracle_use_stale(struct lockgraph *g, struct oracle *o, int k, int other)
{
	if (o->stale[k] && o->handle[other])
		CHECK(add(g, o->stale[k], o->handle[other], 0).res == LG_BAD_NODE);
}

static void oracle_compare_payloads(const struct lockgraph *g, const struct oracle *o)
{
	for (int x = 0; x < ORACLE_KEYS; x++) {
		for (int y = 0; y < ORACLE_KEYS; y++) {
			uint32_t p = 0;
			int known = o->edge[x][y] || o->cycle[x][y];

			if (!o->handle[x] || !o->handle[y])
				continue;
			if (!CHECK(lg_edge_payload(g, o->handle[x], o->handle[y], &p) == known))
				return;
			if (known && !CHECK(p == o->payload[x][y]))
				return;
		}
	}
}

static void run_oracle_graph(uint64_t seed)
{
	struct lockgraph *g = lg_new();
	struct oracle *o = calloc(1, sizeof *o);

	rng_state = seed;
	for (uint32_t op = 0; op < ORACLE_OPS; op++) {
		int failures_before = failures;
		uint32_t dice = rnd_below(100);
		int a = (int)rnd_below(ORACLE_KEYS), b = (int)rnd_below(ORACLE_KEYS);

		if (dice < 4)
			oracle_remove(g, o, a);
		else if (dice < 6)
			oracle_use_stale(g, o, a, b);
		else
			oracle_add(g, o, a, b, op);
		CHECK(lg_edge_count(g) == o->nedges);
		CHECK(lg_cycle_edge_count(g) == o->ncycles);
		CHECK(lg_node_count(g) == o->nnodes);
		CHECK(lg_check_invariants(g));
		if (failures != failures_before)
			break;  /* the oracle and the graph have diverged: later checks would only echo this */
	}
	oracle_compare_payloads(g, o);
	free(o);
	lg_free(g);
}

static void test_against_oracle(void)
{
	scenario = "differential vs oracle";
	for (uint64_t seed = 1; seed <= ORACLE_GRAPHS; seed++)
		run_oracle_graph(seed);
}

/* ---- 10. a new lock's first edge does not search ---------------------------------------------------- */

/* Nodes are created above all others.  An edge whose source or target has no edges yet agrees with the
 * order once that end moves below or above everything: a chain built either way round, over nodes
 * created in the wrong order, makes no search; joining pieces that have edges still does, and keeps
 * the order and the cycles right. */
static void test_edgeless_ends_never_search(void)
{
	enum { N = 2000 };
	static lg_node n[N];
	struct lockgraph *g = lg_new();

	scenario = "edgeless ends never search";
	make_nodes_reversed(g, n, N, 1000);
	for (int i = 0; i + 1 < N / 2; i++)              /* into a new target, against creation order */
		CHECK(add(g, n[i], n[i + 1], (uint32_t)i).res == LG_ADDED);
	for (int i = N - 2; i >= N / 2; i--)             /* out of a new source, last piece first */
		CHECK(add(g, n[i], n[i + 1], (uint32_t)i).res == LG_ADDED);
	CHECK(lg_search_count(g) == 0);
	CHECK(lg_check_invariants(g));
	/* The two pieces: the first was placed upward from the middle, the second downward below it, so
	 * joining them (end of the first -> start of the second) goes against the order: one search. */
	CHECK(add(g, n[N / 2 - 1], n[N / 2], 7777).res == LG_ADDED);
	CHECK(lg_search_count(g) == 1);
	CHECK(lg_check_invariants(g));
	struct attempt r = add(g, n[N - 1], n[0], 8888);
	CHECK(r.res == LG_CYCLE && r.len == N && r.path[0] == n[0] && r.path[1] == n[1]);
	/* A node that lost its only edge (its neighbour was removed) is edgeless again and moves too. */
	lg_node lone = lg_node_get(g, 1), mate = lg_node_get(g, 2);
	CHECK(add(g, lone, mate, 1).res == LG_ADDED);
	lg_node_remove(g, mate);
	size_t before = lg_search_count(g);
	CHECK(add(g, n[5], lone, 2).res == LG_ADDED);
	CHECK(lg_search_count(g) == before);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* The ords are dealt out both ways from the middle of their range.  Built with -DLG_ORD_LIMIT=1000
 * (as lockgraph.c's top says) this renumbers many times on the way, from both ends. */
static void test_ords_both_ways(void)
{
	enum { N = 300 };
	static lg_node n[N];
	struct lockgraph *g = lg_new();

	scenario = "ords both ways";
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++)
			n[i] = lg_node_get(g, (uint64_t)round << 20 | (uint64_t)i);
		for (int i = N - 2; i >= 0; i -= 2)      /* every other pair out of a new source */
			CHECK(add(g, n[i], n[i + 1], 1).res == LG_ADDED);
		for (int i = 1; i + 1 < N; i += 2)       /* and the joints between them */
			CHECK(add(g, n[i], n[i + 1], 2).res == LG_ADDED);
		CHECK(lg_check_invariants(g));
		struct attempt r = add(g, n[N - 1], n[0], 3);
		CHECK(r.res == LG_CYCLE && r.len == N);
		for (int i = 0; i < N; i++)
			lg_node_remove(g, n[i]);
		CHECK(lg_node_count(g) == 0 && lg_check_invariants(g));
	}
	lg_free(g);
}

/* A chain whose links arrive in shuffled order: pieces grow at both ends (new locks below or above
 * everything) and join, and each join against the order is repaired by Pearce-Kelly's two sets or,
 * when one end's whole reach is found first, by moving that reach above or below every node.  The
 * order must stay valid through all of it, and the closing edge must see the whole chain. */
static void test_shuffled_chain(void)
{
	enum { N = 3000 };
	static lg_node n[N];
	static uint32_t link[N - 1];
	struct lockgraph *g = lg_new();
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	scenario = "shuffled chain";
	for (uint32_t i = 0; i < N - 1; i++)
		link[i] = i;
	for (uint32_t i = N - 2; i > 0; i--) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t j = (uint32_t)(rng >> 33) % (i + 1), t = link[i];
		link[i] = link[j];
		link[j] = t;
	}
	for (uint32_t k = 0; k < N - 1; k++) {
		uint32_t i = link[k];
		if (!n[i])
			n[i] = lg_node_new(g, 0x10000 + i);
		if (!n[i + 1])
			n[i + 1] = lg_node_new(g, 0x10000 + i + 1);
		CHECK(add(g, n[i], n[i + 1], i).res == LG_ADDED);
		if (k % 97 == 0)
			CHECK(lg_check_invariants(g));
	}
	CHECK(lg_check_invariants(g));
	CHECK(lg_search_count(g) > N / 10);      /* the joins did go against the order */
	struct attempt r = add(g, n[N - 1], n[0], 1);
	CHECK(r.res == LG_CYCLE && r.len == N && r.path[0] == n[0] && r.path[1] == n[1]);
	lg_free(g);
}

/* ---- 11. nodes the caller indexes itself (lg_node_new) -------------------------------------------- */

static void test_own_nodes(void)
{
	enum { N = 3000 };
	static lg_node own[N];
	struct lockgraph *g = lg_new();

	scenario = "own nodes";
	for (int i = 0; i < N; i++) {
		own[i] = lg_node_new(g, 0x1000 + (uint64_t)i * 8);
		CHECK(own[i] != 0);
	}
	CHECK(lg_node_find(g, 0x1000) == 0);                    /* not in the key index */
	CHECK(lg_node_key(g, own[7]) == 0x1000 + 7 * 8);
	CHECK(lg_node_at(g, lg_node_index(own[7])) == own[7]);
	lg_node indexed = lg_node_get(g, 0x1000);               /* same key, indexed: a node of its own */
	CHECK(indexed != own[0] && lg_node_find(g, 0x1000) == indexed);
	for (int i = 0; i + 1 < N; i++)
		CHECK(add(g, own[i], own[i + 1], (uint32_t)i).res == LG_ADDED);
	CHECK(add(g, own[N - 1], indexed, 1).res == LG_ADDED);
	struct attempt r = add(g, indexed, own[0], 2);
	CHECK(r.res == LG_CYCLE && r.len == N + 1 && r.path[0] == own[0]);
	CHECK(lg_check_invariants(g));
	for (int i = 0; i < N; i += 2) {
		uint32_t at = lg_node_index(own[i]);
		lg_node_remove(g, own[i]);
		CHECK(lg_node_at(g, at) == 0 && !lg_node_valid(g, own[i]));
	}
	CHECK(lg_node_find(g, 0x1000) == indexed);
	CHECK(lg_check_invariants(g));
	for (int i = 0; i < N; i += 2)                          /* their slots are reused, by both kinds */
		own[i] = i % 4 ? lg_node_new(g, 0x900000 + (uint64_t)i) : lg_node_get(g, 0x900000 + (uint64_t)i);
	CHECK(lg_node_find(g, 0x900000) == own[0] && lg_node_find(g, 0x900002) == 0);
	CHECK(lg_node_count(g) == N + 1);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* ---- driver -------------------------------------------------------------------------------------- */

/* The key index under churn: keys that share their low bits (lock addresses a page apart, and key 0)
 * added and removed in a fixed pseudo-random order across several table growths; every key present
 * must be found under its own node, every key removed must be gone. */
static void test_key_index_churn(void)
{
	scenario = "key index churn";
	enum { N = 6000 };
	static lg_node nodes[N];
	struct lockgraph *g = lg_new();
	uint64_t x = 88172645463325252ull;

	memset(nodes, 0, sizeof nodes);
	for (int round = 0; round < 40000; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int k = (int)(x % N);
		uint64_t key = (uint64_t)k << 12;
		if (nodes[k]) {
			lg_node_remove(g, nodes[k]);
			nodes[k] = 0;
		} else {
			nodes[k] = lg_node_get(g, key);
			CHECK(nodes[k] != 0);
		}
		if (round % 4000 == 0)
			CHECK(lg_check_invariants(g));
	}
	int bad = 0;
	for (int k = 0; k < N; k++)
		bad += lg_node_find(g, (uint64_t)k << 12) != nodes[k];
	CHECK(bad == 0);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

/* A hub: one lock before many short-lived ones (a cache's table lock before each entry's lock).  Its
 * out-array is indexed once large; the index must follow appends, swap-removals and growth, and a
 * lookup must not scan: 20,000 edge lookups on a 20,000-edge hub, churned, stay far below a second. */
static void test_hub_out_index(void)
{
	enum { N = 20000 };
	struct lockgraph *g = lg_new();
	lg_node hub = lg_node_get(g, 1);
	static lg_node t[N];
	uint32_t p;

	for (uint32_t i = 0; i < N; i++) {
		t[i] = lg_node_get(g, 100 + i);
		CHECK(add(g, hub, t[i], i).res == LG_ADDED);
	}
	CHECK(lg_check_invariants(g));
	for (uint32_t i = 0; i < N; i += 3)             /* entries evicted: their nodes go */
		lg_node_remove(g, t[i]);
	CHECK(lg_check_invariants(g));
	double t0 = now_seconds();
	for (uint32_t round = 0; round < 50; round++)   /* and new ones come: many edge lookups each */
		for (uint32_t i = 0; i < N; i += 3) {
			if (round == 0) {
				t[i] = lg_node_get(g, 1000000 + i);
				CHECK(add(g, hub, t[i], 7 * i).res == LG_ADDED);
			}
			CHECK(lg_edge_payload(g, hub, t[i], &p) && p == 7 * i);
			CHECK(add(g, hub, t[i], 0).res == LG_EXISTS);
		}
	double dt = now_seconds() - t0;
	printf("hub: 666,700 lookups on a 20,000-edge node in %.3f s\n", dt);
	CHECK(dt < 1.5);        /* scanning the array took 6 s here; the index, 0.02 s */
	for (uint32_t i = 1; i < N; i += 3)
		CHECK(lg_edge_payload(g, hub, t[i], &p) && p == i);
	CHECK(!lg_edge_payload(g, t[1], hub, &p));
	CHECK(lg_edge_count(g) == N);
	CHECK(lg_check_invariants(g));
	for (uint32_t i = 0; i < N; i++)
		if (i % 3 != 2)
			lg_node_remove(g, t[i]);
	CHECK(lg_edge_count(g) == N / 3);
	CHECK(lg_check_invariants(g));
	lg_free(g);
}

int main(void)
{
	test_two_cycle();
	test_cycle_through_existing_edge();
	test_cycles_of_length_3_4_10();
	test_shortest_path_reported();
	test_truncated_path();
	test_diamonds_without_cycles();
	test_dedup();
	test_cycle_through_cycle_edge();
	test_path_through_two_cycle_edges();
	test_every_new_edge_reports_its_shortest_cycle();
	test_cycle_edges_elsewhere_do_not_matter();
	test_node_removal();
	test_removed_node_forgets_cycle_edges();
	test_payload_round_trip();
	test_node_payloads();
	test_key_index_churn();
	test_edgeless_ends_never_search();
	test_ords_both_ways();
	test_shuffled_chain();
	test_own_nodes();
	test_hub_out_index();
	test_scale_100k();
	test_against_oracle();
	if (failures) {
		fprintf(stderr, "test_lockgraph: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_lockgraph: all checks passed\n");
	return 0;
}
