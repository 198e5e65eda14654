/* graph: cost of lock-order edge insertion and cycle search in a big graph.
 *
 *   phase 1  chain     `locks` mutexes; the edges i -> i+1 (locks-1 of them, every lock becomes a graph
 *                      node), inserted in a shuffled order, so the checker's topological order must be
 *                      repaired again and again as chain pieces join up            -> chain_s
 *   phase 2  extra     `extra` more distinct edges a -> b, a < b-1, random, between locks that are
 *                      already nodes: the memory they add is the cost of edges alone -> extra_s, extra_kb
 *   phase 3  cycles    a short cycle (k+3 -> k closes k -> k+1 -> k+2 -> k+3), then the long one
 *                      (last -> 0 closes a path through the whole graph): each edge is refused after a
 *                      search, and a checker reports each cycle once        -> short_cycle_s, long_cycle_s
 *
 * The two cycles are the point of the exercise: run it under a checker with its reports going to a log,
 * and expect two lock-order reports there.  All locks are destroyed at the end.
 *
 * static=1 puts the locks in a static array instead of the heap: with COFFMAN_GRAPH_DIR each is then a
 * lock class of its own (object + symbol + offset), so the graph file holds every edge (heap locks
 * initialised at one call site are one class, and the file is nearly empty); bench/graph-files.
 *
 *   graph [locks=100000] [extra=100000] [seed=1] [static=0]
 *   prints: locks= chain_edges= extra_edges= chain_s= extra_s= short_cycle_s= long_cycle_s=
 *           seconds= (phases 1-3) nodes_kb= (VmRSS growth in phase 1) extra_kb= hwm_kb=
 */
#include "common.h"

#define STATIC_LOCKS 100000
static pthread_mutex_t *m;
static pthread_mutex_t static_locks[STATIC_LOCKS];

/* One lock-order edge a -> b, as a program makes it: take b while holding a. */
static void edge(uint32_t a, uint32_t b)
{
	pthread_mutex_lock(&m[a]);
	pthread_mutex_lock(&m[b]);
	pthread_mutex_unlock(&m[b]);
	pthread_mutex_unlock(&m[a]);
}

/* Open-addressing set of (a, b) pairs, for distinct random edges. */
struct pairset {
	uint64_t *slot;
	size_t mask;
};

static int pairset_add(struct pairset *s, uint32_t a, uint32_t b)
{
	uint64_t key = ((uint64_t)a << 32 | b) + 1;     /* 0 marks an empty slot */
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & s->mask;
	while (s->slot[i]) {
		if (s->slot[i] == key)
			return 0;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = key;
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "locks", "extra", "seed", "static", NULL };
	bench_check_args(argc, argv, known);
	long n = bench_arg(argc, argv, "locks", 100000);
	long extra = bench_arg(argc, argv, "extra", 100000);
	long seed = bench_arg(argc, argv, "seed", 1);
	long in_static = bench_arg(argc, argv, "static", 0);
	if (n < 8 || n > 100000000 || extra > n * 4 || (in_static && n > STATIC_LOCKS)) {
		fprintf(stderr, "graph: locks 8..1e8 (static=1: ..%d), extra <= 4 * locks\n", STATIC_LOCKS);
		return 2;
	}
	struct bench_rng rng;
	bench_rng_seed(&rng, (uint64_t)seed * 0x100000001b3ull);

	m = in_static ? static_locks : bench_xcalloc((size_t)n, sizeof *m);
	for (long i = 0; i < n; i++)
		BENCH_CHECK(pthread_mutex_init(&m[i], NULL));
	uint32_t *order = bench_xcalloc((size_t)n, sizeof *order);
	for (long i = 0; i < n - 1; i++)
		order[i] = (uint32_t)i;
	bench_shuffle_u32(&rng, order, (size_t)n - 1);

	/* The extra pairs are drawn before timing starts: phase 2 times the locking only. */
	size_t cap = 1;
	while (cap < (size_t)(extra + n) * 2)
		cap <<= 1;
	struct pairset set = { bench_xcalloc(cap, sizeof(uint64_t)), cap - 1 };
	for (long i = 0; i < n - 1; i++)
		pairset_add(&set, (uint32_t)i, (uint32_t)i + 1);
	uint32_t *ea = bench_xcalloc((size_t)extra + 1, sizeof *ea), *eb = bench_xcalloc((size_t)extra + 1, sizeof *eb);
	for (long k = 0; k < extra;) {
		uint32_t a = (uint32_t)bench_rng_below(&rng, (uint64_t)n - 2);
		uint32_t b = a + 2 + (uint32_t)bench_rng_below(&rng, (uint64_t)(n - a - 2));
		if (pairset_add(&set, a, b)) {
			ea[k] = a;
			eb[k] = b;
			k++;
		}
	}
	free(set.slot);

	long rss0 = bench_rss_kb();
	uint64_t t0 = bench_now_ns();
	for (long i = 0; i < n - 1; i++)
		edge(order[i], order[i] + 1);
	uint64_t t1 = bench_now_ns();
	long rss1 = bench_rss_kb();
	for (long k = 0; k < extra; k++)
		edge(ea[k], eb[k]);
	uint64_t t2 = bench_now_ns();
	long rss2 = bench_rss_kb();
	uint32_t k = (uint32_t)(n / 2);
	edge(k + 3, k);                         /* closes a cycle of at most four locks */
	uint64_t t3 = bench_now_ns();
	edge((uint32_t)n - 1, 0);               /* closes a cycle through the whole graph */
	uint64_t t4 = bench_now_ns();

	printf("locks=%ld chain_edges=%ld extra_edges=%ld chain_s=%.6f extra_s=%.6f short_cycle_s=%.6f "
	       "long_cycle_s=%.6f seconds=%.6f nodes_kb=%ld extra_kb=%ld hwm_kb=%ld\n",
	       n, n - 1, extra, (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9, (double)(t3 - t2) / 1e9,
	       (double)(t4 - t3) / 1e9, (double)(t4 - t0) / 1e9, rss1 - rss0, rss2 - rss1, bench_hwm_kb());
	for (long i = 0; i < n; i++)
		pthread_mutex_destroy(&m[i]);
	free(ea);
	free(eb);
	free(order);
	if (!in_static)
		free(m);
	return 0;
}
