/* The human-readable report.  Layout: a header line (the kind, what happened), the cycle or the waits
 * in one line, the locks with their names and creation sites, then one block per edge or per blocked
 * thread with its stack, then the threads and where they were created. */
#include "report.h"
#include "stacks.h"
#include "symbolize.h"

#include <stdio.h>
#include <string.h>

/* "L1 'name'", or "L1" when no symbol names it (returns whether one did). */
static int lock_label(const struct report *r, int i, char *buf, size_t len)
{
	char name[160];
	if (i < 0 || i >= r->nlocks) {
		snprintf(buf, len, "?");
		return 0;
	}
	if (!r->locks[i].is_class && symbolize_data(r->locks[i].addr, name, sizeof name)) {
		snprintf(buf, len, "L%d '%s'", i + 1, name);
		return 1;
	}
	snprintf(buf, len, "L%d", i + 1);
	return 0;
}

static void thread_label(const struct report *r, int i, char *buf, size_t len)
{
	const struct report_thread *t = &r->threads[i];
	if (t->exited)
		snprintf(buf, len, "T%d (tid %d, exited)", t->num, (int)t->tid);
	else if (t->name[0])
		snprintf(buf, len, "T%d (tid %d, \"%s\")", t->num, (int)t->tid, t->name);
	else
		snprintf(buf, len, "T%d (tid %d)", t->num, (int)t->tid);
}

/* With debug info "func file:line (object)"; without, "symbol+0xN (object+0xN)": what is known, in
 * the form addr2line -e takes, instead of a name and line that are not. */
static void frame_line(struct outbuf *ob, int index, const struct frame_info *f, const char *indent)
{
	char site[1200];
	report_frame_site(f, site, sizeof site);
	if (f->file[0])
		ob_line(ob, "%s#%d 0x%012lx %s (%s)%s", indent, index, (unsigned long)f->pc, site,
			f->object[0] ? f->object : "?", f->inlined ? " [inlined]" : "");
	else
		ob_line(ob, "%s#%d 0x%012lx %s", indent, index, (unsigned long)f->pc, site);
}

struct frame_printer {
	struct outbuf *ob;
	const char *indent;
	int index;
};

static int print_frame(const struct frame_info *f, void *arg)
{
	struct frame_printer *p = arg;
	frame_line(p->ob, p->index++, f, p->indent);
	return 0;
}

static void stack_lines(struct outbuf *ob, uint32_t stack, uintptr_t pc, const char *indent)
{
	struct frame_printer p = { ob, indent, 0 };
	report_walk_stack(stack, pc, print_frame, &p);
	if (p.index == 0)
		ob_line(ob, "%s(no stack)", indent);
}

static void locks_block(const struct report *r, struct outbuf *ob)
{
	char label[200];
	for (int i = 0; i < r->nlocks; i++) {
		const struct report_lock *l = &r->locks[i];
		int named = lock_label(r, i, label, sizeof label);
		if (l->is_class) {
			struct frame_info f;
			char inst[160] = "", site[2400];
			symbolize_code(l->create_pc, 1, &f);
			report_frame_site(&f, site, sizeof site);
			report_append_init_caller(l, site, sizeof site);  /* a class made through a wrapper */
			for (int k = 0; k < l->ninstances; k++) {
				size_t used = strlen(inst);
				snprintf(inst + used, sizeof inst - used, "%s%p", k ? ", " : "", (void *)l->instances[k]);
			}
			ob_line(ob, "  %s: the class of locks initialised in %s (instances seen: %s)", label, site, inst);
			continue;
		}
		/* An unnamed lock in an object's static data (a stripped library's own lock) says where:
		 * its first-use site is the program's call into the library, and alone read as the
		 * program's lock. */
		char place[200], where[210] = "";
		if (!named && symbolize_data_place(l->addr, place, sizeof place))
			snprintf(where, sizeof where, " (%s)", place);
		if (l->create_pc) {
			struct frame_info f;
			char site[2400];
			report_lock_site_frame(l, &f);
			report_frame_site(&f, site, sizeof site);
			report_append_init_caller(l, site, sizeof site);
			ob_line(ob, "  %s: %s at %p%s, %s in %s", label, l->kind, (void *)l->addr, where,
				l->create_is_init ? "initialised" : "first used", site);
		} else {
			ob_line(ob, "  %s: %s at %p%s", label, l->kind, (void *)l->addr, where);
		}
	}
}

static void cycle_line(const struct report *r, struct outbuf *ob)
{
	char label[200];
	struct outbuf line;
	ob_init(&line);
	for (int i = 0; i < r->nedges; i++) {
		lock_label(r, r->edges[i].from, label, sizeof label);
		ob_printf(&line, "%s -> ", label);
	}
	if (r->nedges) {
		lock_label(r, r->edges[0].from, label, sizeof label);
		ob_puts(&line, label);
		ob_line(ob, "  cycle: %s", line.data ? line.data : "");
	}
	ob_free(&line);
}

static void edges_block(const struct report *r, struct outbuf *ob)
{
	char from[200], to[200], th[120];
	for (int i = 0; i < r->nedges; i++) {
		const struct report_edge *e = &r->edges[i];
		lock_label(r, e->from, from, sizeof from);
		lock_label(r, e->to, to, sizeof to);
		thread_label(r, e->thread, th, sizeof th);
		ob_line(ob, "%s", "");
		/* A class stands for many locks: the instance each edge used tells one cycle through one
		 * object's locks from edges made on different objects. */
		char to_inst[40] = "", from_inst[40] = "";
		if (e->to_instance)
			snprintf(to_inst, sizeof to_inst, " (instance %p)", (void *)e->to_instance);
		if (e->from_instance)
			snprintf(from_inst, sizeof from_inst, " (instance %p)", (void *)e->from_instance);
		ob_line(ob, "  edge %d: %s locks %s%s while holding %s%s:", i + 1, th, to, to_inst, from, from_inst);
		stack_lines(ob, e->acquire_stack, 0, "    ");
		ob_line(ob, "    %s had been acquired at:", from);
		stack_lines(ob, e->held_stack, e->held_pc, "      ");
	}
}

static void waits_block(const struct report *r, struct outbuf *ob)
{
	char th[120], lk[200], holds[600];
	for (int i = 0; i < r->nwaits; i++) {
		const struct report_wait *w = &r->waits[i];
		thread_label(r, w->thread, th, sizeof th);
		holds[0] = '\0';
		for (int h = 0; h < w->nholds; h++) {
			lock_label(r, w->holds[h], lk, sizeof lk);
			size_t used = strlen(holds);
			snprintf(holds + used, sizeof holds - used, "%s%s", h ? ", " : "", lk);
		}
		ob_line(ob, "%s", "");
		if (w->seconds == 0 && w->waits < 0 && strncmp(w->what, "nothing", 7) == 0) {
			ob_line(ob, "  %s is not blocked, holding %s", th, holds[0] ? holds : "nothing");
			continue;
		}
		if (w->waits >= 0) {
			lock_label(r, w->waits, lk, sizeof lk);
			ob_line(ob, "  %s waits for %s (%s) for %.1f s, holding %s; blocked at:", th, lk, w->what,
				w->seconds, holds[0] ? holds : "nothing");
		} else {
			ob_line(ob, "  %s waits in %s for %.1f s, holding %s; blocked at:", th, w->what, w->seconds,
				holds[0] ? holds : "nothing");
		}
		stack_lines(ob, w->stack, 0, "    ");
	}
}

static void stacks_block(const struct report *r, struct outbuf *ob)
{
	for (int i = 0; i < r->nstacks; i++) {
		ob_line(ob, "%s", "");
		ob_line(ob, "  %s:", r->stacks[i].label);
		stack_lines(ob, r->stacks[i].stack, r->stacks[i].pc, "    ");
	}
}

static void threads_block(const struct report *r, struct outbuf *ob)
{
	char th[120];
	if (r->nthreads == 0)
		return;
	ob_line(ob, "%s", "");
	for (int i = 0; i < r->nthreads; i++) {
		const struct report_thread *t = &r->threads[i];
		thread_label(r, i, th, sizeof th);
		if (t->num == 1 || (!t->create_stack && !t->parent_num)) {
			ob_line(ob, "  %s is the %s", th, t->num == 1 ? "main thread" : "thread (creation not seen)");
			continue;
		}
		ob_line(ob, "  %s was created by T%d at:", th, t->parent_num);
		stack_lines(ob, t->create_stack, 0, "    ");
	}
}

void report_format_text(const struct report *r, struct outbuf *ob)
{
	ob_line(ob, "coffman: %s: %s", report_kind_name(r->kind), r->summary);
	if (r->note[0])
		ob_line(ob, "  %s", r->note);
	cycle_line(r, ob);
	locks_block(r, ob);
	edges_block(r, ob);
	waits_block(r, ob);
	stacks_block(r, ob);
	threads_block(r, ob);
	ob_line(ob, "%s", "");
}
