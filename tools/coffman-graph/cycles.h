/* cycles: every distinct cycle of the merged class graph, shortest first, with what each one is.
 *
 * The search is graph/lockgraph's, as in a live run: the merged edges are inserted one by one (in the
 * order of their class keys, so the answer does not depend on the order files were read); each edge
 * that closes a cycle gives that cycle, the shortest one through it.  Every such cycle contains its
 * closing edge, so no two are the same.  Then each cycle is told apart:
 *   live            one process reported this very cycle (the same edges) while it ran;
 *   single-process  one process made every edge but did not report it (different instances of a
 *                   class, a gate lock, a suppression): seen in one run, still only potential;
 *   cross-process   no single process made all its edges: the finding only a merge can make.
 */
#ifndef COFFMAN_GRAPH_CYCLES_H
#define COFFMAN_GRAPH_CYCLES_H

#include "model.h"

enum cycle_found { FOUND_CROSS_PROCESS, FOUND_SINGLE_PROCESS, FOUND_LIVE };

struct cycle {
	int n;                          /* edges (= classes) */
	int *classes;                   /* classes[i] -> classes[(i + 1) % n] */
	struct g_edge **edges;          /* edges[i] is classes[i] -> classes[(i + 1) % n] */
	enum cycle_found found;
	int process;                    /* FOUND_LIVE: a process that reported it; SINGLE: the one; else -1 */
	int nprocesses;                 /* distinct processes among the edges' first origins */
	int suppressed;
};

struct cycles {
	struct cycle *list;
	int n;
	int suppressed;                 /* how many of them */
};

void cycles_find(const struct model *m, struct cycles *out);
void cycles_free(struct cycles *c);
const char *cycle_found_name(enum cycle_found f);
/* 1 if the edge is part of some cycle that is not suppressed (for pictures). */
int cycles_has_edge(const struct cycles *c, const struct g_edge *e);

#endif
