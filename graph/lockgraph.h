/* lockgraph: the process-wide lock-order graph, as a pure data structure.
 *
 * Contract
 *   Nodes are locks, named by a caller-chosen 64-bit key (coffman uses the lock's address).  A directed
 *   edge A->B means "B was acquired, blocking, while A was held".  Every edge is kept, in one of two
 *   sets: the main edges, which stay acyclic under a topological order, and the cycle edges, those that
 *   would have closed a cycle among the main edges.  A new edge that closes at least one cycle (a path
 *   back from its target to its source over edges of both sets) makes lg_add_edge return LG_CYCLE once,
 *   with the shortest such path.  Each such cycle contains the new edge, so it is distinct from every
 *   cycle reported before (a cycle is identified by its set of edges): one report per new edge, for
 *   the shortest cycle it closes.  An edge already present answers LG_EXISTS, or LG_KNOWN_CYCLE for a
 *   cycle edge, with no search.  Further cycles that the same new edge closes at the same time (longer
 *   than the reported one) are not reported.
 *
 *   Nodes cross this boundary as lg_node handles: index in the low 32 bits, a version in the high 32.
 *   Removing a node (the lock was destroyed) bumps the version, so a stale handle held by a caller is
 *   recognised (lg_node_valid() == 0) instead of aliasing a new lock that reuses the slot or the key.
 *   Removing a node removes every edge into and out of it, cycle edges included.
 *
 * Locking
 *   None inside.  Calls must be serialised by the caller (coffman holds its graph lock).  No callbacks.
 *
 * Costs
 *   Key lookup: O(1) expected (open addressing).  An existing edge: O(out-degree).  A new edge that
 *   agrees with the current topological order: O(out-degree), no search, as long as no cycle edge
 *   exists; so does one with an end that has no edges yet (that end is placed below or above every
 *   node, so a new lock's first edge, in or out, never searches).  Otherwise a Pearce-Kelly search that
 *   visits only nodes whose order lies between the two endpoints, then a local reorder.  Once cycle
 *   edges exist, a new edge also gets a search over both sets, which skips every node ordered above
 *   both the edge's source and the highest source of a cycle edge (an edge into a
 *   newly created lock searches nothing).  Memory: a node is a fixed record plus its edge arrays; a
 *   main edge costs 8 bytes out + 4 bytes in (plus array slack), a cycle edge 16 bytes.
 */
#ifndef COFFMAN_LOCKGRAPH_H
#define COFFMAN_LOCKGRAPH_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t lg_node;           /* 0 is never a valid handle */

struct lockgraph;

enum lg_result {
	LG_EXISTS = 0,      /* the edge was already in the graph (payload unchanged) */
	LG_ADDED,           /* the edge was inserted */
	LG_CYCLE,           /* the edge was inserted and closes a cycle: path filled */
	LG_KNOWN_CYCLE,     /* this edge is a cycle edge already: path not filled */
	LG_SELF,            /* from == to: ignored */
	LG_BAD_NODE,        /* a stale or invalid handle */
	LG_NOMEM
};

struct lockgraph *lg_new(void);
void lg_free(struct lockgraph *g);

/* Find the node for key, creating it if absent.  Returns 0 only on allocation failure. */
lg_node lg_node_get(struct lockgraph *g, uint64_t key);
/* Find the node for key; 0 if there is none (or only one made by lg_node_new). */
lg_node lg_node_find(const struct lockgraph *g, uint64_t key);
/* A new node for key that is not entered in the key index: lg_node_find does not see it, the caller
 * keeps its handle (coffman keeps it in its own table of locks, which it must look up anyway, and so
 * saves a second lookup per lock).  lg_node_key still answers key.  0 on allocation failure. */
lg_node lg_node_new(struct lockgraph *g, uint64_t key);
/* A handle's index (its low 32 bits), and back: the live node at index, 0 if none.  For a caller that
 * stores 32 bits and removes its own record whenever it removes the node. */
uint32_t lg_node_index(lg_node n);
lg_node lg_node_at(const struct lockgraph *g, uint32_t index);
/* A hint only: start fetching the record of the node at index (and its edge arrays' heads are read
 * from it later), so that its cache miss overlaps the caller's work.  Any index is harmless. */
void lg_node_prefetch(const struct lockgraph *g, uint32_t index);
int lg_node_valid(const struct lockgraph *g, lg_node n);
uint64_t lg_node_key(const struct lockgraph *g, lg_node n);
/* Remove the node and all its edges; its handle becomes stale.  No-op on a stale handle. */
void lg_node_remove(struct lockgraph *g, lg_node n);
/* The payloads of every edge into or out of n, cycle edges included (what lg_node_remove will drop),
 * so the caller can recycle what they name.  Writes at most cap; returns the total count. */
size_t lg_node_payloads(const struct lockgraph *g, lg_node n, uint32_t *out, size_t cap);

/* Add from->to carrying payload (an opaque 32-bit id of the caller's, e.g. an edge-record index).
 * On LG_CYCLE: path[0..*path_len-1] is the shortest existing path to -> ... -> from over all edges
 * (path[0] == to, path[*path_len-1] == from); the cycle is that path plus the new edge.  If path_cap is
 * too small the result is still LG_CYCLE and *path_len is the full length, only the first path_cap
 * nodes are written.  Whichever set the edge joined, its payload is kept (lg_edge_payload reads it). */
enum lg_result lg_add_edge(struct lockgraph *g, lg_node from, lg_node to, uint32_t payload,
			   lg_node *path, size_t path_cap, size_t *path_len);

/* Whether the edge from->to, already in the graph, lies on a cycle: the shortest path to -> ... -> from
 * over main and cycle edges, written as lg_add_edge writes LG_CYCLE's.  1 (path filled), 0 (none, or
 * no such edge), -1 out of memory.  Changes no edge and no order: for a caller whose view of an old
 * edge changed (coffman: a cycle it had not reported, because a common outer lock made it safe, may
 * have become reportable). */
int lg_cycle_through(struct lockgraph *g, lg_node from, lg_node to, lg_node *path, size_t path_cap,
		     size_t *path_len);

/* Payload of edge from->to (a normal or a cycle edge): 1 and *payload set if it exists, else 0. */
int lg_edge_payload(const struct lockgraph *g, lg_node from, lg_node to, uint32_t *payload);

size_t lg_node_count(const struct lockgraph *g);
size_t lg_edge_count(const struct lockgraph *g);      /* main edges, cycle edges excluded */
size_t lg_cycle_edge_count(const struct lockgraph *g);
/* New edges that went against the topological order (each a search, and a reorder unless it closed a
 * cycle): what graph growth pays beyond appending, for tests and benchmarks. */
size_t lg_search_count(const struct lockgraph *g);
size_t lg_memory_bytes(const struct lockgraph *g);    /* bytes held by the graph, for the benchmarks */

/* For tests only: 1 if the topological order is consistent with every edge and the tables agree. */
int lg_check_invariants(const struct lockgraph *g);

#endif
