/* Finding and labelling the cycles of the merged graph (cycles.h). */
#include "cycles.h"
#include "lockgraph.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>

static const struct model *sort_model;

static int by_keys(const void *a, const void *b)
{
	const struct g_edge *x = *(struct g_edge *const *)a, *y = *(struct g_edge *const *)b;
	int c = strcmp(sort_model->classes[x->from]->key, sort_model->classes[y->from]->key);
	return c ? c : strcmp(sort_model->classes[x->to]->key, sort_model->classes[y->to]->key);
}

static int by_class_key(const void *a, const void *b)
{
	return strcmp(sort_model->classes[*(const int *)a]->key, sort_model->classes[*(const int *)b]->key);
}

/* Shortest first; among equals, by their class keys (a cycle starts at its smallest key). */
static int by_length(const void *a, const void *b)
{
	const struct cycle *x = a, *y = b;
	if (x->n != y->n)
		return x->n - y->n;
	for (int i = 0; i < x->n; i++) {
		int c = strcmp(sort_model->classes[x->classes[i]]->key, sort_model->classes[y->classes[i]]->key);
		if (c)
			return c;
	}
	return 0;
}

const char *cycle_found_name(enum cycle_found f)
{
	return f == FOUND_LIVE ? "live" : f == FOUND_SINGLE_PROCESS ? "single-process" : "cross-process";
}

/* The cycle of classes path[0..len-1] (path[0] -> ... -> path[len-1] -> path[0]), turned to start
 * at the class whose key sorts first. */
static void make_cycle(const struct model *m, struct cycle *c, const lg_node *path, size_t len)
{
	size_t first = 0;
	for (size_t i = 1; i < len; i++)
		if (strcmp(m->classes[path[i] - 1]->key, m->classes[path[first] - 1]->key) < 0)
			first = i;
	memset(c, 0, sizeof *c);
	c->n = (int)len;
	c->classes = malloc(len * sizeof *c->classes);
	c->edges = malloc(len * sizeof *c->edges);
	for (size_t i = 0; i < len; i++)
		c->classes[i] = (int)(path[(first + i) % len] - 1);
	for (size_t i = 0; i < len; i++)
		c->edges[i] = model_edge(m, c->classes[i], c->classes[(i + 1) % len]);
}

/* Node keys are class index + 1; lockgraph hands out handles, which the path holds: turn them back. */
static void path_to_classes(struct lockgraph *g, lg_node *path, size_t len)
{
	for (size_t i = 0; i < len; i++)
		path[i] = lg_node_key(g, path[i]);
}

static void label(const struct model *m, struct cycle *c)
{
	/* The same edges as a cycle some process reported while running? */
	for (int i = 0; i < m->nlives; i++) {
		const struct g_live *l = m->lives[i];
		if (l->nedges != c->n)
			continue;
		/* Same edge set: every live edge is one of the cycle's. */
		int same = 1;
		for (int k = 0; k < l->nedges && same; k++) {
			struct g_edge *e = model_edge(m, l->pairs[2 * k], l->pairs[2 * k + 1]);
			int in = 0;
			for (int j = 0; j < c->n && !in; j++)
				in = c->edges[j] == e;
			same = in;
		}
		if (same) {
			c->found = FOUND_LIVE;
			c->process = l->nprocs ? l->procs[0] : -1;
			break;
		}
	}
	/* Distinct processes in the edges' first origins, and one process behind every edge? */
	int seen[64], nseen = 0;
	for (int i = 0; i < c->n; i++) {
		int p = c->edges[i]->norigins ? c->edges[i]->origins[0].process : -1;
		int known = 0;
		for (int k = 0; k < nseen; k++)
			known |= seen[k] == p;
		if (!known && nseen < 64)
			seen[nseen++] = p;
	}
	c->nprocesses = nseen;
	if (c->found == FOUND_LIVE)
		return;
	c->process = -1;
	c->found = FOUND_CROSS_PROCESS;
	const struct g_edge *e0 = c->edges[0];
	for (int k = 0; k < e0->norigins; k++) {
		int p = e0->origins[k].process, everywhere = 1;
		for (int i = 1; i < c->n && everywhere; i++) {
			int here = 0;
			for (int j = 0; j < c->edges[i]->norigins && !here; j++)
				here = c->edges[i]->origins[j].process == p;
			everywhere = here;
		}
		if (everywhere) {
			c->found = FOUND_SINGLE_PROCESS;
			c->process = p;
			return;
		}
	}
}

static int frames_match(const json_t *frames)
{
	size_t i;
	const json_t *f;
	json_array_foreach(frames, i, f) {
		if (rules_match_frame(f))
			return 1;
	}
	return 0;
}

/* A rule matching any frame the cycle's report shows (the first origin's two stacks of each edge,
 * and the classes' creation sites) suppresses it. */
static int suppressed(const struct model *m, const struct cycle *c)
{
	if (!rules_any())
		return 0;
	for (int i = 0; i < c->n; i++) {
		const struct g_edge *e = c->edges[i];
		if (e->norigins) {
			const struct g_origin *o = &e->origins[0];
			if ((o->stack >= 0 && frames_match(model_stack_frames(m, o->stack))) ||
			    (o->held_stack >= 0 && frames_match(model_stack_frames(m, o->held_stack))))
				return 1;
		}
		const json_t *site = json_object_get(m->classes[c->classes[i]]->obj, "site");
		if (json_is_object(site) && rules_match_frame(site))
			return 1;
	}
	return 0;
}

/* The classes in an order where every edge that is not on a cycle goes forward (reverse DFS
 * post-order, visiting classes and edges by key).  lockgraph places a new node last, so creating the
 * nodes in this order first makes each such edge agree with its order: no search for them, only for
 * the edges that close cycles (inserting 100,000 edges in key order instead has it reorder again and
 * again). */
static int *creation_order(const struct model *m, struct g_edge **sorted)
{
	int n = m->nclasses;
	int *first = calloc((size_t)n + 1, sizeof *first), *adj = malloc(((size_t)m->nedges + 1) * sizeof *adj);
	int *by_key = malloc(((size_t)n + 1) * sizeof *by_key), *order = malloc(((size_t)n + 1) * sizeof *order);
	int *stack = malloc(((size_t)n + 1) * sizeof *stack), *next = malloc(((size_t)n + 1) * sizeof *next);
	char *seen = calloc((size_t)n + 1, 1);
	for (int i = 0; i < m->nedges; i++)
		first[sorted[i]->from + 1]++;
	for (int i = 0; i < n; i++)
		first[i + 1] += first[i];
	memcpy(next, first, (size_t)n * sizeof *next);
	for (int i = 0; i < m->nedges; i++)     /* each class's edges, in key order */
		adj[next[sorted[i]->from]++] = sorted[i]->to;
	for (int i = 0; i < n; i++)
		by_key[i] = i;
	qsort(by_key, (size_t)n, sizeof *by_key, by_class_key);
	int done = n;
	for (int r = 0; r < n; r++) {
		if (seen[by_key[r]])
			continue;
		int top = 0;
		stack[top++] = by_key[r];
		seen[by_key[r]] = 1;
		next[by_key[r]] = first[by_key[r]];
		while (top) {
			int v = stack[top - 1];
			if (next[v] < first[v + 1]) {
				int w = adj[next[v]++];
				if (!seen[w]) {
					seen[w] = 1;
					next[w] = first[w];
					stack[top++] = w;
				}
			} else {
				order[--done] = v;      /* post-order, filled from the end: reversed */
				top--;
			}
		}
	}
	free(first);
	free(adj);
	free(by_key);
	free(stack);
	free(next);
	free(seen);
	return order;
}

void cycles_find(const struct model *m, struct cycles *out)
{
	memset(out, 0, sizeof *out);
	struct lockgraph *g = lg_new();
	struct g_edge **order = malloc(((size_t)m->nedges + 1) * sizeof *order);
	lg_node *path = malloc(((size_t)m->nclasses + 1) * sizeof *path);
	int cap = 0;
	if (m->nedges) {        /* a model without edges has no array (memcpy and qsort may not get NULL) */
		memcpy(order, m->edges, (size_t)m->nedges * sizeof *order);
		sort_model = m;
		qsort(order, (size_t)m->nedges, sizeof *order, by_keys);
	}
	/* Forward edges (in the creation order) first: they close no cycle and need no search.  Then
	 * the few backward ones, each of which closes at least one cycle; once lockgraph holds a cycle
	 * edge, every insertion searches, so those come last. */
	int *nodes = creation_order(m, order), *position = malloc(((size_t)m->nclasses + 1) * sizeof *position);
	for (int i = 0; i < m->nclasses; i++) {
		lg_node_get(g, (uint64_t)nodes[i] + 1);
		position[nodes[i]] = i;
	}
	int nforward = 0;
	struct g_edge **backward = malloc(((size_t)m->nedges + 1) * sizeof *backward);
	for (int i = 0, nback = 0; i < m->nedges; i++) {
		if (position[order[i]->from] < position[order[i]->to])
			order[nforward++] = order[i];
		else
			backward[nback++] = order[i];
	}
	memcpy(order + nforward, backward, (size_t)(m->nedges - nforward) * sizeof *order);
	free(backward);
	free(position);
	free(nodes);
	for (int i = 0; i < m->nedges; i++) {
		lg_node a = lg_node_get(g, (uint64_t)order[i]->from + 1), b = lg_node_get(g, (uint64_t)order[i]->to + 1);
		size_t len = 0;
		if (lg_add_edge(g, a, b, (uint32_t)i, path, (size_t)m->nclasses, &len) != LG_CYCLE)
			continue;
		/* path: to ... from; the cycle is that plus from -> to, i.e. the path itself closed. */
		path_to_classes(g, path, len);
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			out->list = realloc(out->list, (size_t)cap * sizeof *out->list);
		}
		make_cycle(m, &out->list[out->n], path, len);
		label(m, &out->list[out->n]);
		out->list[out->n].suppressed = suppressed(m, &out->list[out->n]);
		out->suppressed += out->list[out->n].suppressed;
		out->n++;
	}
	if (out->n)
		qsort(out->list, (size_t)out->n, sizeof *out->list, by_length);
	free(path);
	free(order);
	lg_free(g);
}

void cycles_free(struct cycles *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->list[i].classes);
		free(c->list[i].edges);
	}
	free(c->list);
	memset(c, 0, sizeof *c);
}

int cycles_has_edge(const struct cycles *c, const struct g_edge *e)
{
	for (int i = 0; i < c->n; i++)
		for (int k = 0; k < c->list[i].n && !c->list[i].suppressed; k++)
			if (c->list[i].edges[k] == e)
				return 1;
	return 0;
}
