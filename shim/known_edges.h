/* known_edges: a process-wide, lock-free set of lock-order edges the graph already has.
 *
 * Consulted after a thread's own edge cache misses and before the graph lock: a thousand threads
 * walking the same locks each miss their small caches, and without it each miss took the graph lock.
 * Only edges the graph answered "known" go in (a new edge is in the thread's cache already), so a
 * program that only ever makes new edges never touches the table.  Entries carry the order_epoch they
 * were checked under: a lock destroyed since (epoch bumped) invalidates all of them, as it flushes the
 * threads' caches.
 */
#ifndef COFFMAN_KNOWN_EDGES_H
#define COFFMAN_KNOWN_EDGES_H

/* Whether from -> to (under gate) was known to the graph at epoch (the caller's order_epoch snapshot,
 * taken before it looked at the graph): KNOWN_GATED (known under this gate), KNOWN_UNGATED (known to
 * have no gate: made under two different outer locks or under none — whatever the gate now, the graph
 * has nothing to learn from it), or 0. */
#define KNOWN_GATED 1
#define KNOWN_UNGATED 2
int known_edge_find(const void *from, const void *to, const void *gate, unsigned epoch);
/* Record that the graph knew from -> to (under gate; NULL: the edge has no gate) at epoch.  May drop it
 * (a busy slot). */
void known_edge_add(const void *from, const void *to, const void *gate, unsigned epoch);
/* The child of fork: a slot a vanished thread was writing would stay claimed; free such slots. */
void known_edges_after_fork_child(void);

#endif
