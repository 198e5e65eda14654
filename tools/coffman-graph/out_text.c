/* The text form of merged cycles: a live lock-order-inversion report's layout (output.h). */
#include "describe.h"
#include "output.h"

#include <string.h>

static void stack_lines(FILE *f, const struct model *m, int stack, const char *indent)
{
	char site[2400];
	size_t i;
	const json_t *fr;
	if (stack < 0 || json_array_size(model_stack_frames(m, stack)) == 0) {
		fprintf(f, "%s(no stack)\n", indent);
		return;
	}
	json_array_foreach(model_stack_frames(m, stack), i, fr) {
		const char *pc = json_string_value(json_object_get(fr, "pc"));
		const char *file = json_string_value(json_object_get(fr, "file"));
		const char *object = json_string_value(json_object_get(fr, "object"));
		frame_site(fr, site, sizeof site);
		fprintf(f, "%s#%zu %s ", indent, i, pc ? pc : "0x0");
		put_text(f, site);
		if (file && file[0]) {
			fputs(" (", f);
			put_text(f, object ? object : "?");
			fputs(")", f);
		}
		if (json_is_true(json_object_get(fr, "inlined")))
			fputs(" [inlined]", f);
		fputc('\n', f);
	}
}

static int class_index_in(const struct cycle *cy, int klass)
{
	for (int i = 0; i < cy->n; i++)
		if (cy->classes[i] == klass)
			return i;
	return -1;
}

static void one_cycle(FILE *f, const struct model *m, const struct cycle *cy)
{
	char text[2400], a[600], b[600], who[600];
	struct cycle_procs procs;
	cycle_procs(cy, &procs);
	cycle_summary(m, cy, text, sizeof text);
	fputs("coffman: lock-order-inversion: ", f);
	put_text(f, text);
	fputc('\n', f);
	cycle_note(m, cy, text, sizeof text);
	fputs("  ", f);
	put_text(f, text);
	fputs("\n  cycle: ", f);
	for (int i = 0; i <= cy->n; i++) {
		class_label(m, cy->classes[i % cy->n], i % cy->n, a, sizeof a);
		put_text(f, a);
		fputs(i < cy->n ? " -> " : "\n", f);
	}
	for (int i = 0; i < cy->n; i++) {
		class_label(m, cy->classes[i], i, a, sizeof a);
		class_text(m, cy->classes[i], text, sizeof text);
		fputs("  ", f);
		put_text(f, a);
		fputs(": ", f);
		put_text(f, text);
		fputs(" [class ", f);
		put_text(f, m->classes[cy->classes[i]]->key);
		fputs("]\n", f);
	}
	for (int i = 0; i < cy->n; i++) {
		const struct g_edge *e = cy->edges[i];
		const struct g_origin *o = e->norigins ? &e->origins[0] : NULL;
		class_label(m, e->from, class_index_in(cy, e->from), a, sizeof a);
		class_label(m, e->to, class_index_in(cy, e->to), b, sizeof b);
		model_process_label(m, o ? o->process : -1, who, sizeof who);
		fprintf(f, "\n  edge %d: P%d ", i + 1, o ? cycle_proc_num(&procs, o->process) : 0);
		put_text(f, who);
		fprintf(f, " T%d locks ", o ? o->thread : 0);
		put_text(f, b);
		fputs(" while holding ", f);
		put_text(f, a);
		fprintf(f, " (%llu lock-level edge%s in %llu process%s):\n", (unsigned long long)e->count,
			e->count == 1 ? "" : "s", (unsigned long long)e->processes, e->processes == 1 ? "" : "es");
		stack_lines(f, m, o ? o->stack : -1, "    ");
		fputs("    ", f);
		put_text(f, a);
		fputs(" had been acquired at:\n", f);
		stack_lines(f, m, o ? o->held_stack : -1, "      ");
		if (e->norigins > 1) {
			fputs("    also made by", f);
			for (int k = 1; k < e->norigins; k++)
				fprintf(f, "%s P%d", k > 1 ? "," : "", cycle_proc_num(&procs, e->origins[k].process));
			if (e->processes > (uint64_t)e->norigins)
				fprintf(f, " and %llu more", (unsigned long long)(e->processes - (uint64_t)e->norigins));
			fputc('\n', f);
		}
	}
	fputc('\n', f);
	for (int i = 0; i < procs.n; i++) {
		const json_t *p = m->processes[procs.procs[i]]->obj;
		const char *program = jstr(p, "program"), *host = jstr(p, "host"), *test = jstr(p, "test");
		fprintf(f, "  P%d is ", i + 1);
		put_text(f, program ? program : "?");
		fprintf(f, " (pid %lld on ", (long long)json_integer_value(json_object_get(p, "pid")));
		put_text(f, host ? host : "?");
		if (test) {
			fputs(", test ", f);
			put_text(f, test);
		}
		fputs("), graph written at ", f);
		put_text(f, jstr(p, "reason") ? jstr(p, "reason") : "?");
		fputs(" ", f);
		put_text(f, jstr(p, "written") ? jstr(p, "written") : "?");
		fputc('\n', f);
	}
	fputc('\n', f);
}

void out_text(const struct model *m, const struct cycles *c, FILE *f)
{
	int counts[3] = { 0, 0, 0 };
	for (int i = 0; i < c->n; i++) {
		if (c->list[i].suppressed)
			continue;
		counts[c->list[i].found]++;
		one_cycle(f, m, &c->list[i]);
	}
	fprintf(f, "coffman-graph: summary: %d cycle%s (%d cross-process, %d single-process, %d live); suppressed %d; "
		"from %d graph file%s: %d process%s, %d lock class%s, %d edge%s\n",
		c->n - c->suppressed, c->n - c->suppressed == 1 ? "" : "s", counts[FOUND_CROSS_PROCESS],
		counts[FOUND_SINGLE_PROCESS], counts[FOUND_LIVE], c->suppressed, m->files, m->files == 1 ? "" : "s",
		m->nprocesses, m->nprocesses == 1 ? "" : "es", m->nclasses, m->nclasses == 1 ? "" : "es", m->nedges,
		m->nedges == 1 ? "" : "s");
}
