/* Graphviz DOT pictures of the merged graph (output.h).  Nodes are lock classes, labelled with the
 * variable (static locks) or the creation site; an edge A -> B ("B taken while holding A") is
 * labelled with the function:line of the acquisition of B in the program's own code.  Edges on a
 * cycle are red and bold; by default only the classes and edges of cycles are drawn. */
#include "describe.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>

/* A DOT string literal: quotes and backslashes escaped, control characters dropped. */
static void dot_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if (*p >= 0x20 && *p != 0x7f)
			fputc(*p, f);
	}
	fputc('"', f);
}

static void edge_label(const struct model *m, const struct g_edge *e, char *buf, size_t len)
{
	const struct g_origin *o = e->norigins ? &e->origins[0] : NULL;
	const json_t *fr = o && o->stack >= 0 ? stack_program_frame(model_stack_frames(m, o->stack)) : NULL;
	frame_short(fr, buf, len);
}

static void node(FILE *f, const struct model *m, int klass)
{
	char label[1200];
	class_short(m, klass, label, sizeof label);
	fprintf(f, "  c%d [label=", klass);
	dot_string(f, label);
	fputs(", tooltip=", f);
	dot_string(f, m->classes[klass]->key);
	fputs("];\n", f);
}

static void edge(FILE *f, const struct model *m, const struct g_edge *e, int on_cycle)
{
	char label[1200];
	edge_label(m, e, label, sizeof label);
	fprintf(f, "  c%d -> c%d [label=", e->from, e->to);
	dot_string(f, label);
	fputs(on_cycle ? ", color=\"#c0392b\", fontcolor=\"#c0392b\", penwidth=2.5" : ", color=\"#7f8c8d\"", f);
	fputs("];\n", f);
}

static void header(FILE *f)
{
	fputs("digraph coffman {\n"
	      "  rankdir=LR;\n"
	      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6f7\", fontname=\"Helvetica\", fontsize=11];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=10];\n", f);
}

void out_dot(const struct model *m, const struct cycles *c, int all, FILE *f)
{
	char *shown = calloc((size_t)m->nclasses + 1, 1);
	header(f);
	for (int i = 0; i < m->nedges; i++) {
		const struct g_edge *e = m->edges[i];
		int on_cycle = cycles_has_edge(c, e);
		if (!all && !on_cycle)
			continue;
		for (int k = 0; k < 2; k++) {
			int klass = k ? e->to : e->from;
			if (!shown[klass]) {
				shown[klass] = 1;
				node(f, m, klass);
			}
		}
		edge(f, m, e, on_cycle);
	}
	fputs("}\n", f);
	free(shown);
}

void out_dot_cycle(const struct model *m, const struct cycle *cy, FILE *f)
{
	header(f);
	for (int i = 0; i < cy->n; i++)
		node(f, m, cy->classes[i]);
	for (int i = 0; i < cy->n; i++)
		edge(f, m, cy->edges[i], 1);
	fputs("}\n", f);
}
