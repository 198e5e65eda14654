/* The lock-order slow path (order.h): the table of lock creation sites, the record behind every
 * graph edge, the edge insert with its cycle search (graph/lockgraph), and turning a cycle into a
 * lock-order-inversion report — its labels (single thread, never overlapped, gated), its signature and
 * finding, and with COFFMAN_CLASSES=site what each class node is made of.  All under the graph lock. */
#include "order.h"
#include "annotate.h"
#include "config.h"
#include "graph_file.h"
#include "ilock.h"
#include "lockgraph.h"
#include "sitetable.h"
#include "mem.h"
#include "report.h"
#include "stacks.h"
#include "symbolize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uthash_fast.h"

atomic_uint order_epoch;

/* Who made an edge and how: what the cycle report prints for it.  32 bytes; the thread's identity
 * lives once per thread in thread_info, not in every edge.  The two locks are the nodes' keys, except
 * that a class node (COFFMAN_CLASSES=site) stands for many locks: then the instances the edge was
 * made on are kept beside it, in edge_inst (only with classes: every other edge saves 16 bytes). */
struct edge_rec {
	uint32_t acquire_stack;
	uint32_t held_stack;
	uintptr_t held_pc;
	uintptr_t gate;
	int thread_num;
};
_Static_assert(sizeof(struct edge_rec) <= 32, "an edge record stays 32 bytes");

struct edge_inst {
	uintptr_t from_addr, to_addr;
};

/* With COFFMAN_CLASSES=site a lock created by *_init is keyed by its creation site, lockdep-style, so
 * two instances of the same kind of object share one node; the tag keeps site keys apart from
 * addresses.  Locks from static initialisers keep their own address: their "site" is only a first use. */
#define CLASS_TAG (1ull << 63)
/* A lock initialised in a library is of the class of its (site, caller) pair (init_sites.h): its key
 * is that two-frame creation stack's id, this tag beside CLASS_TAG. */
#define CLASS_STACK_TAG (1ull << 62)

/* Identity of a thread that made edges, kept after it exits so a late report can still name it. */
struct thread_info {
	int num;
	pid_t tid;
	int parent_num;
	uint32_t create_stack;
	char name[16];                  /* read when the thread exits; a live thread's is read at report time */
	uint64_t start_ns, end_ns;      /* lifetime; end 0 while alive */
	uint32_t nedges;                /* edge records naming this thread: freed with the last one */
	UT_hash_handle hh;
};
static struct thread_info *thread_infos;

static struct ilock graph_lock = ILOCK_INIT;
static struct lockgraph *graph;
static struct edge_rec *edges;
static uint32_t nedges, edges_cap;
static struct edge_inst *edge_inst;     /* [edges_cap], with classes only */
static struct site_table sites;         /* graph/sitetable.h */
/* Edge records of destroyed locks, for reuse: 1M locks created and destroyed in rounds must not grow. */
static uint32_t *free_edges;
static uint32_t nfree_edges, free_edges_cap;

static const char *const kind_names[] = { "mutex", "rwlock", "spinlock", "mtx_t", "pthread_once",
					   "condition variable", "semaphore" };

const char *lock_kind_name(int kind)
{
	if (kind >= LK_USER)
		return annotate_kind_name(kind);
	return kind >= 0 && kind < (int)(sizeof kind_names / sizeof kind_names[0]) ? kind_names[kind] : "lock";
}

void order_init(void)
{
	graph = lg_new();
}

void order_lock_for_fork(void) { ilock_acquire(&graph_lock); }
void order_unlock_after_fork(void) { ilock_release(&graph_lock); }

/* Forks this process is from (mod 4): a record made before the last fork has another generation. */
static unsigned fork_gen;

unsigned order_fork_gen(void)
{
	return __atomic_load_n(&fork_gen, __ATOMIC_RELAXED) & 3;
}

void order_after_fork_child(void)
{
	ilock_reset(&graph_lock);
	__atomic_store_n(&fork_gen, fork_gen + 1, __ATOMIC_RELAXED);
}

/* ---- lock creation sites ---- */

/* Every lock the program initialises or uses has a site record, in one table keyed by address
 * (graph/sitetable.h), with the lock's own graph node beside it. */
static struct lock_site *site_find(uintptr_t addr)
{
	return sitetab_find(&sites, addr);
}

/* A stride prefetch for the site table.  Its slots are placed at random, so each lookup of a lock
 * not looked up lately is a cache miss (~230 ns here), and the hardware cannot see the next one coming.
 * But programs mostly create, first nest and destroy their locks in runs at a fixed distance (an array
 * of locks, or objects with a lock each allocated one after another): when the last two calls of one
 * kind were the same distance apart, the slot of the lock that distance * SITE_AHEAD further on is
 * fetched now, and its miss overlaps with the work in between.  A wrong guess costs a fetch of a line
 * nobody reads.  Callers hold graph_lock, which also guards the predictors (slow paths only: the hot
 * path never gets here). */
#define SITE_AHEAD 4
#define SITE_STRIDE_MAX 4096

struct site_stride {
	uintptr_t last;
	uintptr_t stride;
};
static struct site_stride stride_created, stride_destroyed, stride_from, stride_to;

void order_prefetch_edge(const void *from, const void *to)
{
	/* Without graph_lock: sitetab_prefetch allows a table growing meanwhile. */
	sitetab_prefetch(&sites, (uintptr_t)from);
	sitetab_prefetch(&sites, (uintptr_t)to);
}

static void site_prefetch_next(struct site_stride *p, uintptr_t addr)
{
	uintptr_t d = addr - p->last;
	p->last = addr;
	if (d != p->stride) {
		p->stride = d;
		return;
	}
	if (!d || d + SITE_STRIDE_MAX > 2 * SITE_STRIDE_MAX)      /* |d| <= SITE_STRIDE_MAX */
		return;
	const char *slot = (const char *)sitetab_home_slot(&sites, addr + d * SITE_AHEAD);
	if (!slot)
		return;
	__builtin_prefetch(slot, 1);
	__builtin_prefetch(slot + sizeof(struct lock_site) - 1, 1);     /* it may straddle two lines */
}

/* The lock's site record, given its slot as looked up (s; NULL: it has none, one is added: NULL if it
 * cannot be), the table not moved since. */
static struct lock_site *site_put(struct lock_site *s, const void *lock, int kind, uintptr_t pc,
				  int is_init, int overwrite)
{
	if (s && !overwrite)
		return s;
	if (!s) {
		s = sitetab_add(&sites, (uintptr_t)lock);
		if (!s)
			return NULL;
	}
	s->pc = pc;
	s->stack = 0;
	s->kind = (uint8_t)kind;
	s->is_init = is_init != 0;
	s->gen = order_fork_gen();
	return s;
}

/* A first-use site learns its whole stack (when the acquisition that first used it recorded one). */
static void site_set_stack(struct lock_site *s, uint32_t stack)
{
	if (s && !s->is_init && !s->stack)
		s->stack = stack;
}

/* The graph key of a lock whose site slot is s (NULL: none).  A lock initialised in a library keeps
 * its site and caller as an interned two-frame stack (init_sites.h), the same id for every lock made
 * from one caller: keyed by it, a wrapper's locks are classes by caller from the first one on, and a
 * one-caller site's locks are one class, as by the site alone. */
static uint64_t graph_key_at(const struct lock_site *s, const void *lock)
{
	if (cfg.classes_site && s && s->is_init && s->pc) {
		if (s->stack)
			return (uint64_t)s->stack | CLASS_STACK_TAG | CLASS_TAG;
		return (uint64_t)s->pc | CLASS_TAG;
	}
	return (uint64_t)(uintptr_t)lock;
}

/* A class key's creation site: its pc, and for a (site, caller) class the two-frame stack. */
static void class_site_of(uint64_t key, uintptr_t *pc, uint32_t *stack)
{
	*pc = 0;
	*stack = 0;
	if (!(key & CLASS_STACK_TAG)) {
		*pc = (uintptr_t)(key & ~CLASS_TAG);
		return;
	}
	const uintptr_t *pcs;
	*stack = (uint32_t)key;
	if (stack_frames(*stack, &pcs) > 0)
		*pc = pcs[0];
}

/* The graph nodes an edge from -> to joins.  Two instances of one class nested in each other would
 * be a self-loop of the class, which orders nothing and would be dropped: a thread taking a->mu then
 * b->mu, and later b->mu then a->mu, would go unseen with classes when it is seen without.  Such an
 * edge joins the two instances instead (their own addresses, as without classes), so an inconsistent
 * order between instances of one class is still a cycle; instance nodes only ever join instances of
 * their own class. */
static void edge_keys(const struct lock_site *fs, const void *from, const struct lock_site *ts, const void *to,
		      uint64_t *from_key, uint64_t *to_key)
{
	*from_key = graph_key_at(fs, from);
	*to_key = graph_key_at(ts, to);
	if (*from_key == *to_key && (*from_key & CLASS_TAG)) {
		*from_key = (uint64_t)(uintptr_t)from;
		*to_key = (uint64_t)(uintptr_t)to;
	}
}

/* The node for key: a class's from the graph's key index, a lock's own from its site slot. */
static lg_node node_find(const struct lock_site *s, uint64_t key)
{
	if (key & CLASS_TAG)
		return lg_node_find(graph, key);
	return s && s->node1 ? lg_node_at(graph, s->node1 - 1) : 0;
}

/* The same, made if absent (s: the lock's slot, which keeps its own node).  0 on failure. */
static lg_node node_get(struct lock_site *s, uint64_t key)
{
	if (key & CLASS_TAG)
		return lg_node_get(graph, key);
	if (s->node1)
		return lg_node_at(graph, s->node1 - 1);
	lg_node n = lg_node_new(graph, key);
	if (n)
		s->node1 = lg_node_index(n) + 1;
	return n;
}

static void recycle_edges_of(lg_node n);

/* Forget the node of the lock whose slot is s; callers hold graph_lock.  A class outlives its
 * instances, but the instance's address may next belong to another class: flush the edge caches.
 * An instance of a class has a node of its own only for orders between instances (edge_keys). */
static void forget_node_at(struct lock_site *s)
{
	int in_class = (graph_key_at(s, (const void *)s->addr) & CLASS_TAG) != 0;
	lg_node n = s->node1 ? lg_node_at(graph, s->node1 - 1) : 0;
	if (n) {
		recycle_edges_of(n);
		lg_node_remove(graph, n);
		s->node1 = 0;
	}
	if (n || in_class)
		atomic_fetch_add(&order_epoch, 1);
}

/* The init a site record s (may be NULL) holds, into *prior. */
static void prior_init_of(const struct lock_site *s, struct order_prior_init *prior)
{
	prior->live = s && s->is_init;
	prior->pc = prior->live ? s->pc : 0;
	prior->stack = prior->live ? s->stack : 0;
	prior->kind = prior->live ? s->kind : 0;
	prior->before_fork = prior->live && s->gen != order_fork_gen();
}

void order_lock_created(const void *lock, int kind, uintptr_t pc, uint32_t stack, struct order_prior_init *prior)
{
	ilock_acquire(&graph_lock);
	site_prefetch_next(&stride_created, (uintptr_t)lock);
	struct lock_site *s = site_find((uintptr_t)lock);
	if (prior)
		prior_init_of(s, prior);
	if (s)
		forget_node_at(s);      /* re-initialised in place: a new lock */
	s = site_put(s, lock, kind, pc, 1, 1);
	if (s)
		s->stack = stack;
	ilock_release(&graph_lock);
}

void order_lock_destroyed(const void *lock, void (*also)(void *), void *arg)
{
	ilock_acquire(&graph_lock);
	site_prefetch_next(&stride_destroyed, (uintptr_t)lock);
	if (also)
		also(arg);
	struct lock_site *s = site_find((uintptr_t)lock);
	if (s) {
		forget_node_at(s);
		sitetab_remove(&sites, s);
	}
	ilock_release(&graph_lock);
}

void order_forget_range(uintptr_t lo, uintptr_t hi)
{
	ilock_acquire(&graph_lock);
	/* A removal shifts a later entry into slot i: look at slot i again.  (One shifted from the wrapped
	 * start of a run to the end of the table is seen twice, which changes nothing.) */
	for (size_t i = 0; sites.slots && i <= sites.mask; i++) {
		struct lock_site *s = &sites.slots[i];
		if (!s->addr)
			continue;
		if (s->addr >= lo && s->addr < hi) {
			forget_node_at(s);
			sitetab_remove(&sites, s);
			i--;
		} else if (cfg.classes_site && s->is_init && s->pc >= lo && s->pc < hi) {
			/* A class is named by its creation site: code that is gone. */
			uint64_t keys[2] = { (uint64_t)s->pc | CLASS_TAG,
					     s->stack ? (uint64_t)s->stack | CLASS_STACK_TAG | CLASS_TAG : 0 };
			for (int k = 0; k < 2; k++) {
				lg_node n = keys[k] ? lg_node_find(graph, keys[k]) : 0;
				if (n) {
					recycle_edges_of(n);
					lg_node_remove(graph, n);
					atomic_fetch_add(&order_epoch, 1);
				}
			}
		}
	}
	ilock_release(&graph_lock);
}

static int site_lookup(const void *lock, uintptr_t *pc, int *is_init, uint32_t *stack)
{
	const struct lock_site *s = site_find((uintptr_t)lock);
	if (!s)
		return 0;
	*pc = s->pc;
	*is_init = s->is_init;
	if (stack)
		*stack = s->stack;
	return 1;
}

/* The lookup behind order_init_site and its variants. */
static int init_site_of(const void *lock, struct order_prior_init *init)
{
	ilock_acquire(&graph_lock);
	prior_init_of(site_find((uintptr_t)lock), init);
	ilock_release(&graph_lock);
	return init->live;
}

int order_first_use_site(const void *lock, uintptr_t *pc, uint32_t *stack)
{
	int is_init = 0, found;
	ilock_acquire(&graph_lock);
	found = site_lookup(lock, pc, &is_init, stack) && !is_init && *pc;
	ilock_release(&graph_lock);
	return found;
}

int order_init_site(const void *lock, uintptr_t *pc, int *kind)
{
	struct order_prior_init init;
	if (!init_site_of(lock, &init))
		return 0;
	*pc = init.pc;
	*kind = init.kind;
	return 1;
}

int order_init_site_stack(const void *lock, uintptr_t *pc, int *kind, uint32_t *stack)
{
	struct order_prior_init init;
	if (!init_site_of(lock, &init))
		return 0;
	*pc = init.pc;
	*kind = init.kind;
	*stack = init.stack;
	return 1;
}

int order_init_site_prior(const void *lock, struct order_prior_init *init)
{
	return init_site_of(lock, init);
}

void order_fill_lock_sites(struct report *r)
{
	ilock_acquire(&graph_lock);
	for (int i = 0; i < r->nlocks; i++)
		if (!r->locks[i].create_pc)     /* else set by the report: what it knew at the time */
			site_lookup((const void *)r->locks[i].addr, &r->locks[i].create_pc,
				    &r->locks[i].create_is_init, &r->locks[i].create_stack);
	ilock_release(&graph_lock);
}

/* ---- edges ---- */

/* The locks edge `payload` was made on, given its nodes' keys: the keys themselves, or for a class
 * node the instance kept in edge_inst (0 if none is known). */
static void edge_locks(uint32_t payload, uint64_t from_key, uint64_t to_key, uintptr_t *from, uintptr_t *to)
{
	*from = from_key & CLASS_TAG ? 0 : (uintptr_t)from_key;
	*to = to_key & CLASS_TAG ? 0 : (uintptr_t)to_key;
	if (edge_inst && payload < nedges) {
		*from = edge_inst[payload].from_addr;
		*to = edge_inst[payload].to_addr;
	}
}

static uint32_t edge_rec_new(void)
{
	if (nfree_edges > 0)
		return free_edges[--nfree_edges];
	if (nedges == edges_cap) {
		uint32_t ncap = edges_cap ? edges_cap * 2 : 1024;
		if (cfg.classes_site) {
			struct edge_inst *q = realloc(edge_inst, ncap * sizeof *q);
			if (!q)
				return UINT32_MAX;
			edge_inst = q;
			mem_advise_flat(q);
		}
		struct edge_rec *p = realloc(edges, ncap * sizeof *p);
		if (!p)
			return UINT32_MAX;
		edges = p;
		edges_cap = ncap;
		mem_advise_flat(p);     /* filled in order */
	}
	return nedges++;
}

/* Give an edge record back for reuse (the list grows as needed; on allocation failure it leaks). */
static void edge_rec_free(uint32_t payload)
{
	if (nfree_edges == free_edges_cap) {
		uint32_t ncap = free_edges_cap ? free_edges_cap * 2 : 1024;
		uint32_t *p = realloc(free_edges, ncap * sizeof *p);
		if (!p)
			return;
		free_edges = p;
		free_edges_cap = ncap;
		mem_advise_flat(p);
	}
	free_edges[nfree_edges++] = payload;
}

/* The info of thread num, or NULL; graph_lock held.  The last one found is remembered: a thread making
 * new edges asks for its own at every one, and the records freed together (a destroyed lock's edges)
 * mostly name one thread. */
static struct thread_info *ti_last;

static struct thread_info *thread_info_find(int num)
{
	struct thread_info *ti = ti_last;
	if (ti && ti->num == num)
		return ti;
	HASH_FIND_INT(thread_infos, &num, ti);
	if (ti)
		ti_last = ti;
	return ti;
}

static void thread_info_free(struct thread_info *ti)
{
	if (ti_last == ti)
		ti_last = NULL;
	HASH_DEL(thread_infos, ti);
	free(ti);
}

static void thread_info_note(const struct thread_rec *t)
{
	struct thread_info *ti = thread_info_find(t->num);
	if (!ti) {
		ti = calloc(1, sizeof *ti);
		if (!ti)
			return;
		ti->num = t->num;
		ti->tid = t->tid;
		ti->parent_num = t->parent_num;
		ti->create_stack = t->create_stack;
		ti->start_ns = t->start_ns;
		HASH_ADD_INT(thread_infos, num, ti);
	}
	ti->nedges++;
}

static void thread_info_release(int num)
{
	struct thread_info *ti = thread_info_find(num);
	if (ti && ti->nedges > 0 && --ti->nedges == 0 && ti->end_ns)
		thread_info_free(ti);
}

/* The lock is going away: its edges' records become free (and may free their threads' info). */
static void recycle_edges_of(lg_node n)
{
	uint32_t small[64];
	size_t count = lg_node_payloads(graph, n, small, 64);
	uint32_t *payloads = small;
	if (count > 64) {
		payloads = malloc(count * sizeof *payloads);
		if (!payloads)
			return;         /* leak the records rather than fail the destroy */
		lg_node_payloads(graph, n, payloads, count);
	}
	for (size_t i = 0; i < count; i++) {
		if (payloads[i] >= nedges)
			continue;
		thread_info_release(edges[payloads[i]].thread_num);
		edge_rec_free(payloads[i]);
	}
	if (payloads != small)
		free(payloads);
}

static void edge_rec_fill(struct edge_rec *e, struct thread_rec *t, const struct held_lock *held,
			  const void *gate, uint32_t *acquire_stack, const struct unwind_context *ctx)
{
	if (!*acquire_stack)
		*acquire_stack = stack_capture_from(ctx);
	e->acquire_stack = *acquire_stack;
	e->held_stack = held->stack;
	e->held_pc = held->pc;
	e->gate = (uintptr_t)gate;
	e->thread_num = t->num;
	thread_info_note(t);
}

/* Two observations of one edge under different gates: the edge is not protected by a gate.  1 when
 * this one took the record's gate away (it had one). */
static int edge_rec_merge_gate(uint32_t payload, const void *gate)
{
	if (payload < nedges && edges[payload].gate && edges[payload].gate != (uintptr_t)gate) {
		edges[payload].gate = 0;
		return 1;
	}
	return 0;
}

/* The record of an edge that has just lost its gate is made the observation that took it away: the
 * thread, the stacks and, with lock classes, the instances of this acquisition.  A report of a cycle
 * through it then shows where the edge was made without the common outer lock — the acquisition to
 * fix — rather than where that lock covered it. */
static void edge_rec_refill(uint32_t payload, struct thread_rec *t, const struct held_lock *held, const void *to,
			    uint32_t *acquire_stack, const struct unwind_context *ctx)
{
	if (payload >= nedges)
		return;
	thread_info_release(edges[payload].thread_num);
	edge_rec_fill(&edges[payload], t, held, NULL, acquire_stack, ctx);
	if (edge_inst)
		edge_inst[payload] = (struct edge_inst){ (uintptr_t)held->lock, (uintptr_t)to };
}

void order_thread_exited(const struct thread_rec *t)
{
	ilock_acquire(&graph_lock);
	struct thread_info *ti = thread_info_find(t->num);
	if (ti && ti->nedges == 0) {
		thread_info_free(ti);
	} else if (ti) {
		ti->end_ns = now_ns();
		/* Its last chance: /proc forgets the name when the thread is gone. */
		thread_set_name_from_kernel((struct thread_rec *)t, ti->name, sizeof ti->name);
	}
	ilock_release(&graph_lock);
}

/* 1 if the cycle's edges come from threads whose lifetimes never overlapped in this run: the cycle is
 * real code-path order, but this run could not have deadlocked on it. */
static int threads_never_overlapped(const struct report *r)
{
	for (int i = 0; i < r->nthreads; i++)
		for (int j = i + 1; j < r->nthreads; j++) {
			const struct thread_info *a = thread_info_find(r->threads[i].num);
			const struct thread_info *b = thread_info_find(r->threads[j].num);
			if (!a || !b)
				return 0;
			uint64_t a_end = a->end_ns ? a->end_ns : UINT64_MAX, b_end = b->end_ns ? b->end_ns : UINT64_MAX;
			if (a->start_ns < b_end && b->start_ns < a_end)
				return 0;
		}
	return r->nthreads > 1;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* A cycle is identified by its set of edges (lock -> lock): two different cycles through the same
 * locks are two defects.  Order-independent, so any rotation of the cycle is the same one. */
static uint64_t cycle_signature(const struct report *r)
{
	uint64_t sig = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < r->nedges; i++)
		sig += mix64(mix64(r->locks[r->edges[i].from].addr) ^ r->locks[r->edges[i].to].addr);
	return sig | 1;
}

/* The bug behind a cycle: the code that made its edges, i.e. each edge's acquisition stack and where
 * its held lock had been taken.  The same code path run over many objects, each with a lock of its
 * own, makes many cycles (different locks) with one such key: one finding, many instances. */
static uint64_t cycle_finding(const struct report *r)
{
	uint64_t key = 0x5bd1e9955bd1e995ull;
	for (int i = 0; i < r->nedges; i++)
		key += mix64(mix64((uint64_t)r->edges[i].acquire_stack + 0x100000001b3ull) ^ r->edges[i].held_pc);
	return key | 1;
}

/* The label of a cycle: the true counts of its locks, edges and threads, and what they mean. */
static void cycle_nodes_text(const struct report *r, size_t count, char *buf, size_t len);

static void label_cycle(struct report *r, size_t nlocks)
{
	char who[160] = "", edges[32];
	int named = 0;
	for (; named < r->nthreads && strlen(who) + 20 < sizeof who; named++)
		snprintf(who + strlen(who), sizeof who - strlen(who), "%sT%d",
			 named == 0 ? "" : named + 1 == r->nthreads ? " and " : ", ", r->threads[named].num);
	if (named < r->nthreads)
		snprintf(who + strlen(who), sizeof who - strlen(who), ", ...");
	char nodes[96];
	cycle_nodes_text(r, nlocks, nodes, sizeof nodes);
	snprintf(r->summary, sizeof r->summary, "potential deadlock: cycle of %s in %d thread%s", nodes,
		 r->nthreads, r->nthreads == 1 ? "" : "s");
	if (r->nthreads == 1) {
		if (r->nedges == 2)
			snprintf(edges, sizeof edges, "both edges come");
		else
			snprintf(edges, sizeof edges, "all %d edges come", r->nedges);
		snprintf(r->note, sizeof r->note,
			 "%s from one thread, %s, so this run could not deadlock on them; it can deadlock when "
			 "these %d code paths run in different threads at the same time", edges, who, r->nedges);
	} else if (threads_never_overlapped(r)) {
		snprintf(r->note, sizeof r->note,
			 "these %d threads (%s) never ran at the same time in this run (it could not deadlock this "
			 "time); the lock order is still inconsistent and deadlocks when they do", r->nthreads, who);
	}
}

/* Cycle edges all made under one lock that is not part of the cycle: serialised, cannot deadlock. */
static uintptr_t common_gate(const uint32_t *payloads, int n)
{
	uintptr_t gate = payloads[0] < nedges ? edges[payloads[0]].gate : 0;
	for (int i = 1; i < n && gate; i++)
		if (payloads[i] >= nedges || edges[payloads[i]].gate != gate)
			gate = 0;
	return gate;
}

/* Returns addr if the report's lock is a class (then addr is one of its instances), else 0. */
static uintptr_t note_instance(struct report *r, int lock, uintptr_t addr)
{
	struct report_lock *l = &r->locks[lock];
	if (!(l->addr & CLASS_TAG) || !addr)
		return 0;
	l->is_class = 1;
	class_site_of(l->addr, &l->create_pc, &l->create_stack);
	l->create_is_init = 1;
	for (int i = 0; i < l->ninstances; i++)
		if (l->instances[i] == addr)
			return addr;
	if (l->ninstances < 4)
		l->instances[l->ninstances++] = addr;
	return addr;
}

static void add_report_edge(struct report *r, uintptr_t from, uintptr_t to, const char *from_kind,
			    const char *to_kind, uint32_t payload)
{
	if (r->nedges == REPORT_MAX_EDGES || payload >= nedges)
		return;
	const struct edge_rec *e = &edges[payload];
	struct report_edge *re = &r->edges[r->nedges++];
	re->from = report_add_lock(r, from, from_kind);
	re->to = report_add_lock(r, to, to_kind);
	uintptr_t from_addr, to_addr;
	edge_locks(payload, from, to, &from_addr, &to_addr);
	re->from_instance = note_instance(r, re->from, from_addr);
	re->to_instance = note_instance(r, re->to, to_addr);
	const struct thread_info *ti = thread_info_find(e->thread_num);
	re->thread = report_add_thread(r, e->thread_num, ti ? ti->tid : 0, ti ? ti->create_stack : 0,
				       ti ? ti->parent_num : 0);
	if (ti && ti->end_ns && ti->name[0])   /* exited: its stored name; alive: read from /proc */
		snprintf(r->threads[re->thread].name, sizeof r->threads[re->thread].name, "%s", ti->name);
	re->acquire_stack = e->acquire_stack;
	re->held_pc = e->held_pc;
	re->held_stack = e->held_stack;
}

static const char *site_kind(uintptr_t addr)
{
	if (addr & CLASS_TAG)
		return "lock class";
	const struct lock_site *s = site_find(addr);
	return s ? lock_kind_name(s->kind) : "lock";
}

/* ---- what a cycle is made of, with COFFMAN_CLASSES=site ---- */

enum cycle_nodes { CYCLE_LOCKS, CYCLE_ONE_CLASS_INSTANCES, CYCLE_CLASSES, CYCLE_MIXED };

static enum cycle_nodes cycle_nodes_of(const struct report *r)
{
	int classes = 0;
	for (int i = 0; i < r->nlocks; i++)
		classes += r->locks[i].is_class;
	if (classes)
		return classes == r->nlocks ? CYCLE_CLASSES : CYCLE_MIXED;
	/* With classes, an initialised lock that is still a node of its own is an instance joined to
	 * other instances of its class (edge_keys): the whole cycle is within that one class. */
	if (cfg.classes_site && r->nlocks > 0 && r->locks[0].create_is_init && r->locks[0].create_pc)
		return CYCLE_ONE_CLASS_INSTANCES;
	return CYCLE_LOCKS;
}

/* "2 locks", "2 lock classes", "1 lock class and 1 lock", "2 instances of one lock class". */
static void cycle_nodes_text(const struct report *r, size_t count, char *buf, size_t len)
{
	int classes = 0;
	for (int i = 0; i < r->nlocks; i++)
		classes += r->locks[i].is_class;
	switch (cycle_nodes_of(r)) {
	case CYCLE_ONE_CLASS_INSTANCES:
		snprintf(buf, len, "%zu instances of one lock class", count);
		break;
	case CYCLE_CLASSES:
		snprintf(buf, len, "%zu lock class%s", count, count == 1 ? "" : "es");
		break;
	case CYCLE_MIXED:
		snprintf(buf, len, "%d lock class%s and %zu lock%s", classes, classes == 1 ? "" : "es",
			 count - (size_t)classes, count - (size_t)classes == 1 ? "" : "s");
		break;
	default:
		snprintf(buf, len, "%zu lock%s", count, count == 1 ? "" : "s");
	}
}

/* What a class-based cycle means, put before the note: a cycle between instances of one class is an
 * inconsistent order between those very objects; a cycle between classes whose edges used different
 * instances (one object's lock here, another's there) deadlocks only if one object's locks can be
 * taken in both orders — the lockdep assumption, which may not hold for this code. */
static void class_note(struct report *r)
{
	char what[256], rest[sizeof r->note];
	enum cycle_nodes nodes = cycle_nodes_of(r);
	if (nodes == CYCLE_LOCKS)
		return;
	if (nodes == CYCLE_ONE_CLASS_INSTANCES) {
		snprintf(what, sizeof what, "a cycle between instances of one lock class (--classes=site: all "
			 "initialised at the same place): these objects are locked in both orders");
	} else {
		int varied = -1;
		for (int i = 0; i < r->nlocks && varied < 0; i++)
			if (r->locks[i].is_class && r->locks[i].ninstances > 1)
				varied = i;
		const char *between = nodes == CYCLE_CLASSES ? "between lock classes" : "through a lock class";
		if (varied >= 0)
			snprintf(what, sizeof what, "a cycle %s (--classes=site), made on different instances (L%d: "
				 "%d seen): a deadlock only if one object's locks can be taken in both orders",
				 between, varied + 1, r->locks[varied].ninstances);
		else
			snprintf(what, sizeof what, "a cycle %s (--classes=site), made on one instance of each: "
				 "these objects are locked in both orders", between);
	}
	memcpy(rest, r->note, sizeof rest);
	rest[sizeof rest - 1] = '\0';
	snprintf(r->note, sizeof r->note, "%s", what);
	size_t used = strlen(r->note);
	if (rest[0] && used + 2 < sizeof r->note) {     /* "what; the note as it was", cut to fit */
		memcpy(r->note + used, "; ", 2);
		used += 2;
		size_t k = strnlen(rest, sizeof r->note - 1 - used);
		memcpy(r->note + used, rest, k);
		r->note[used + k] = '\0';
	}
}

/* Build the cycle report from the path the graph returned (to ... from) plus the new edge. */
static int build_cycle_report(struct report *r, const lg_node *path, size_t len, lg_node from_node,
			      uint32_t new_payload)
{
	uint32_t payloads[REPORT_MAX_EDGES];
	int n = 0;
	report_init(r, RK_LOCK_ORDER_INVERSION);
	for (size_t i = 0; i + 1 < len && n < REPORT_MAX_EDGES - 1; i++) {
		uint32_t p = UINT32_MAX;
		lg_edge_payload(graph, path[i], path[i + 1], &p);
		uintptr_t a = (uintptr_t)lg_node_key(graph, path[i]), b = (uintptr_t)lg_node_key(graph, path[i + 1]);
		add_report_edge(r, a, b, site_kind(a), site_kind(b), p);
		payloads[n++] = p;
	}
	uintptr_t from = (uintptr_t)lg_node_key(graph, from_node), to = (uintptr_t)lg_node_key(graph, path[0]);
	add_report_edge(r, from, to, site_kind(from), site_kind(to), new_payload);
	payloads[n++] = new_payload;
	for (int i = 0; i < r->nlocks; i++) {
		uintptr_t pc;
		int is_init;
		if (r->locks[i].is_class)
			continue;
		uint32_t stack;
		if (site_lookup((const void *)r->locks[i].addr, &pc, &is_init, &stack)) {
			r->locks[i].create_pc = pc;
			r->locks[i].create_stack = stack;
			r->locks[i].create_is_init = is_init;
		}
	}
	uintptr_t gate = common_gate(payloads, n);
	label_cycle(r, len < (size_t)r->nlocks ? (size_t)r->nlocks : len);
	class_note(r);
	r->signature = cycle_signature(r);
	r->finding = cycle_finding(r);
	if (gate) {
		char name[160];
		if (!symbolize_data(gate, name, sizeof name))
			snprintf(name, sizeof name, "?");
		snprintf(r->note, sizeof r->note,
			 "gated: every edge was made while holding the lock at %p ('%s'), which serialises them",
			 (void *)gate, name);
		/* Told apart from the same cycle without its gate: when an edge of it is later made
		 * unprotected, --show-gated must show that report too, not drop it as a duplicate. */
		r->signature ^= 0x6a7e6a7e6a7e6a7eull;
		return 0;       /* cannot deadlock */
	}
	return 1;
}

/* ---- the graph file (graph_file.h): each new edge, with both locks' creation sites ---- */

static void graph_lock_note_of(uintptr_t addr, struct graph_lock_note *l)
{
	memset(l, 0, sizeof *l);
	l->addr = addr;
	const struct lock_site *s = site_find(addr);
	if (s) {
		l->kind = s->kind;
		l->site_pc = s->pc;
		l->site_stack = s->stack;
		l->site_is_init = s->is_init;
	}
}

static void graph_edge_note_of(uint32_t payload, uint64_t from_key, uint64_t to_key, struct graph_edge_note *n)
{
	const struct edge_rec *e = &edges[payload];
	uintptr_t from_addr, to_addr;
	edge_locks(payload, from_key, to_key, &from_addr, &to_addr);
	graph_lock_note_of(from_addr, &n->from);
	graph_lock_note_of(to_addr, &n->to);
	n->acquire_stack = e->acquire_stack;
	n->held_stack = e->held_stack;
	n->held_pc = e->held_pc;
	n->thread_num = e->thread_num;
}

/* The edges of a cycle about to be reported, for the graph file once the report is out. */
static struct graph_edge_note *graph_cycle_notes(const lg_node *path, size_t len, lg_node from_node,
						 uint32_t closing, int *n)
{
	struct graph_edge_note *notes = malloc(REPORT_MAX_EDGES * sizeof *notes);
	*n = 0;
	if (!notes || len > REPORT_MAX_EDGES)
		return notes;
	for (size_t i = 0; i + 1 < len; i++) {
		uint32_t p;
		if (lg_edge_payload(graph, path[i], path[i + 1], &p) && p < nedges)
			graph_edge_note_of(p, lg_node_key(graph, path[i]), lg_node_key(graph, path[i + 1]),
					   &notes[(*n)++]);
	}
	graph_edge_note_of(closing, lg_node_key(graph, from_node), lg_node_key(graph, path[0]), &notes[(*n)++]);
	return notes;
}

/* The report of the cycle that the edge from a to path[0] (record payload) closes, path as the graph
 * gives it (len locks); graph lock held.  NULL without memory.  *emit: whether it is shown (not gated,
 * or --show-gated); then, for the graph file, the notes of its edges.  A cycle longer than a report
 * holds is shown by its first edges and the closing one, and says so. */
static struct report *cycle_report(const lg_node *path, size_t len, lg_node a, uint32_t payload, int *emit,
				   struct graph_edge_note **live_notes, int *nlive_notes)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	size_t shown = len < REPORT_MAX_EDGES ? len : REPORT_MAX_EDGES;
	*emit = build_cycle_report(r, path, shown, a, payload) || cfg.show_gated;
	if (len > shown) {
		snprintf(r->summary, sizeof r->summary, "potential deadlock: cycle of %zu locks", len);
		snprintf(r->note, sizeof r->note,
			 "a cycle of %zu locks: only its first %zu edges and the closing one are shown", len,
			 shown - 1);
	}
	if (*emit && graph_file_on)
		*live_notes = graph_cycle_notes(path, len, a, payload, nlive_notes);
	return r;
}

int order_new_edge(struct thread_rec *t, const struct held_lock *held, const void *to, int to_kind,
		   uintptr_t to_pc, const void *gate, uint32_t *acquire_stack, const struct unwind_context *ctx,
		   int *ungated)
{
	int saved_errno = errno;
	*ungated = gate == NULL;        /* a new edge keeps the gate it was made under */
	int known = 0;
	lg_node path[REPORT_MAX_EDGES];
	size_t len = 0;
	struct report *r = NULL;
	int emit = 0;
	int cancel_state = -1;
	struct graph_edge_note *live_notes = NULL;
	int nlive_notes = 0;

	ilock_acquire(&graph_lock);
	sitetab_prefetch(&sites, (uintptr_t)held->lock);
	sitetab_prefetch(&sites, (uintptr_t)to);
	site_prefetch_next(&stride_from, (uintptr_t)held->lock);
	site_prefetch_next(&stride_to, (uintptr_t)to);
	/* Most misses of a thread's edge cache are edges another thread (or an evicted slot) already
	 * knows: answer those with two lookups and nothing else. */
	struct lock_site *from_site = site_find((uintptr_t)held->lock), *to_site = site_find((uintptr_t)to);
	if (from_site && from_site->node1)
		lg_node_prefetch(graph, from_site->node1 - 1);
	if (to_site && to_site->node1)
		lg_node_prefetch(graph, to_site->node1 - 1);
	/* A thread that made a new edge lately (its capture budget topped up) most likely makes one now:
	 * its stack, needed then, is captured while those records come in.  Nothing is wasted if the edge
	 * turns out known: with a budget, the hold records this same stack (ev_after_acquire).  A thread
	 * walking known edges has spent its budget, and captures nothing here. */
	if (t->capture_budget > 0 && t->capture_budget != HELD_CAPTURE_WATCH && !*acquire_stack)
		*acquire_stack = stack_capture_from(ctx);
	uint64_t key_a, key_b;
	edge_keys(from_site, held->lock, to_site, to, &key_a, &key_b);
	lg_node a = node_find(from_site, key_a);
	lg_node b = a ? node_find(to_site, key_b) : 0;
	uint32_t existing;
	if (a && b && lg_edge_payload(graph, a, b, &existing)) {
		known = 1;
		/* A cycle through this edge may have gone unreported because a common outer lock made it
		 * safe (a gated cycle, build_cycle_report): without its gate now, the cycle can deadlock. */
		if (edge_rec_merge_gate(existing, gate)) {
			edge_rec_refill(existing, t, held, to, acquire_stack, ctx);
			if (lg_cycle_through(graph, a, b, path, REPORT_MAX_EDGES, &len) > 0) {
				cancel_state = cancel_disable();        /* as for a new edge's cycle, below */
				r = cycle_report(path, len, a, existing, &emit, &live_notes, &nlive_notes);
			}
		}
		*ungated = existing < nedges && edges[existing].gate == 0;
		goto out;
	}
	/* Room for both slots first: the table cannot move between the two puts.  A lock without a slot
	 * (no memory for one) makes no edge: its node would have nowhere to be kept. */
	int grew = sitetab_reserve(&sites, 2);
	if (grew < 0)
		goto out;
	if (grew) {             /* the slots found above moved with the table */
		from_site = site_find((uintptr_t)held->lock);
		to_site = site_find((uintptr_t)to);
	}
	from_site = site_put(from_site, held->lock, held->kind, held->pc, 0, 0);
	to_site = to == held->lock ? from_site : site_put(to_site, to, to_kind, to_pc, 0, 0);
	if (!from_site || !to_site)
		goto out;
	a = node_get(from_site, key_a);
	b = a ? node_get(to_site, key_b) : 0;
	uint32_t payload = edge_rec_new();
	if (payload == UINT32_MAX || !a || !b)
		goto out;
	edge_rec_fill(&edges[payload], t, held, gate, acquire_stack, ctx);
	if (t->capture_budget < HELD_CAPTURE_REFILL)      /* more new edges are likely to follow */
		t->capture_budget = HELD_CAPTURE_REFILL;
	if (held->stack)
		site_set_stack(from_site, held->stack);
	site_set_stack(to_site, edges[payload].acquire_stack);
	if (edge_inst)
		edge_inst[payload] = (struct edge_inst){ (uintptr_t)held->lock, (uintptr_t)to };
	enum lg_result res = lg_add_edge(graph, a, b, payload, path, REPORT_MAX_EDGES, &len);
	if (graph_file_on && (res == LG_ADDED || res == LG_CYCLE)) {
		struct graph_edge_note note;
		graph_edge_note_of(payload, key_a, key_b, &note);
		graph_file_note_edge(&note);
	}
	if (res == LG_CYCLE) {
		/* A report follows: building and emitting it reach cancellation points (the symbolizer
		 * reads objects, the report is written).  Nothing before this does: the capture turns
		 * cancellation off itself around what can be cancelled (deps_host.setcancelstate), and
		 * the tables and records here come from coffman's own allocator. */
		cancel_state = cancel_disable();
		/* The graph keeps this record as the new edge's payload (a main or a cycle edge). */
		r = cycle_report(path, len, a, payload, &emit, &live_notes, &nlive_notes);
	} else if (res != LG_ADDED) {
		thread_info_release(t->num);    /* not stored: give the record back */
		edge_rec_free(payload);
	}
out:
	ilock_release(&graph_lock);
	if (r && emit && report_emit(r) && live_notes)
		graph_file_note_live_cycle(live_notes, nlive_notes);
	free(live_notes);
	free(r);
	if (cancel_state >= 0)
		cancel_restore(cancel_state);
	errno = saved_errno;
	return known;
}
