/* waitfor: cycle search in a wait-for graph where every node has at most one successor (a blocked
 * thread waits for one lock, which has one holder; or joins one thread).
 *
 * Contract: nodes are small integers; next(ctx, node) returns the successor or -1.  The search follows
 * successors from `start` and reports the cycle only if it returns to `start` (each member of a cycle
 * finds it from itself, so every cycle is found by the thread that closes it).  Pure: no locking, no
 * allocation; the caller serialises access to whatever next() reads.  Cost: O(cycle length), bounded
 * by max steps.
 */
#ifndef COFFMAN_WAITFOR_H
#define COFFMAN_WAITFOR_H

typedef int (*waitfor_next_fn)(void *ctx, int node);

/* Fill cycle[0..n-1] with start, next(start), ... when following successors returns to start within
 * max nodes; return n, or 0 if there is no cycle through start. */
int waitfor_cycle_through(int start, waitfor_next_fn next, void *ctx, int *cycle, int max);

#endif
