/* Shared wording of coffman-graph's outputs (describe.h). */
#include "describe.h"

#include <string.h>

static const char *field(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && s[0] ? s : NULL;
}

static long long line_of(const json_t *frame)
{
	const json_t *v = json_object_get(frame, "line");
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

void frame_site(const json_t *frame, char *buf, size_t len)
{
	const char *func = field(frame, "function"), *file = field(frame, "file");
	const char *object = field(frame, "object"), *offset = field(frame, "offset");
	const char *foff = field(frame, "function_offset");
	char fn[600];
	if (!func)
		snprintf(fn, sizeof fn, "??");
	else if (!file && foff)
		snprintf(fn, sizeof fn, "%s+%s", func, foff);
	else
		snprintf(fn, sizeof fn, "%s", func);
	if (file && line_of(frame) > 0)
		snprintf(buf, len, "%s %s:%lld", fn, file, line_of(frame));
	else if (file)
		snprintf(buf, len, "%s %s", fn, file);
	else if (object && offset)
		snprintf(buf, len, "%s (%s+%s)", fn, object, offset);
	else
		snprintf(buf, len, "%s (%s)", fn, object ? object : "?");
}

void frame_short(const json_t *frame, char *buf, size_t len)
{
	const char *func = field(frame, "function"), *object = field(frame, "object"), *offset = field(frame, "offset");
	if (!frame)
		snprintf(buf, len, "?");
	else if (func && line_of(frame) > 0)
		snprintf(buf, len, "%s:%lld", func, line_of(frame));
	else if (func)
		snprintf(buf, len, "%s", func);
	else
		snprintf(buf, len, "%s+%s", object ? object : "?", offset ? offset : "?");
}

const json_t *stack_program_frame(const json_t *frames)
{
	size_t i;
	const json_t *f;
	json_array_foreach(frames, i, f) {
		const char *file = field(f, "file");
		if (file && strncmp(file, "/usr/", 5) != 0)
			return f;
	}
	return json_array_get(frames, 0);
}

void class_label(const struct model *m, int klass, int i, char *buf, size_t len)
{
	const char *name = field(m->classes[klass]->obj, "name");
	if (name)
		snprintf(buf, len, "L%d '%s'", i + 1, name);
	else
		snprintf(buf, len, "L%d", i + 1);
}

void class_short(const struct model *m, int klass, char *buf, size_t len)
{
	const json_t *c = m->classes[klass]->obj;
	const char *name = field(c, "name"), *object = field(c, "object");
	const json_t *site = json_object_get(c, "site");
	if (name)
		snprintf(buf, len, "%s (%s)", name, object ? object : "?");
	else if (json_is_object(site))
		frame_short(site, buf, len);
	else
		snprintf(buf, len, "%s", m->classes[klass]->key);
}

void class_text(const struct model *m, int klass, char *buf, size_t len)
{
	const json_t *c = m->classes[klass]->obj;
	const char *kind = field(c, "kind"), *lock = field(c, "lock"), *object = field(c, "object");
	const char *how = field(c, "how"), *build_id = field(c, "build_id"), *offset = field(c, "offset");
	const json_t *site = json_object_get(c, "site");
	char where[1200], bid[64] = "";
	if (build_id)
		snprintf(bid, sizeof bid, ", build-id %.12s", build_id);
	if (kind && strcmp(kind, "static") == 0) {
		snprintf(buf, len, "static %s in %s%s%s%s", lock ? lock : "lock", object ? object : "?",
			 field(c, "name") ? "" : " at +", field(c, "name") ? "" : offset ? offset : "?", bid);
	} else if (json_is_object(site) && json_is_object(json_object_get(c, "wrapper"))) {
		/* Made through a library's wrapper: "site" is where the wrapper was called. */
		char wrapper[1200];
		frame_site(json_object_get(c, "wrapper"), wrapper, sizeof wrapper);
		frame_site(site, where, sizeof where);
		snprintf(buf, len, "the class of %s%s initialised in %s, called from %s", lock ? lock : "lock",
			 lock && strcmp(lock, "mutex") == 0 ? "es" : "s", wrapper, where);
	} else if (json_is_object(site)) {
		frame_site(site, where, sizeof where);
		snprintf(buf, len, "the class of %s%s %s in %s", lock ? lock : "lock",
			 lock && strcmp(lock, "mutex") == 0 ? "es" : "s",
			 how && strcmp(how, "init") == 0 ? "initialised" : "first used", where);
	} else {
		snprintf(buf, len, "%s", m->classes[klass]->key);
	}
}

static int has_site_class(const struct model *m, const struct cycle *c)
{
	for (int i = 0; i < c->n; i++) {
		const char *kind = field(m->classes[c->classes[i]]->obj, "kind");
		if (kind && strcmp(kind, "site") == 0)
			return 1;
	}
	return 0;
}

void cycle_summary(const struct model *m, const struct cycle *c, char *buf, size_t len)
{
	(void)m;
	snprintf(buf, len, "potential deadlock: cycle of %d lock class%s across %d process%s", c->n,
		 c->n == 1 ? "" : "es", c->nprocesses, c->nprocesses == 1 ? "" : "es");
}

void cycle_note(const struct model *m, const struct cycle *c, char *buf, size_t len)
{
	char who[600];
	model_process_label(m, c->process, who, sizeof who);
	if (c->found == FOUND_LIVE)
		snprintf(buf, len, "reported live already, by %s: its lock order was inconsistent within that one "
			 "process", who);
	else if (c->found == FOUND_SINGLE_PROCESS)
		snprintf(buf, len, "every edge comes from one process, %s, which did not report it while it ran "
			 "(edges on different instances of a class, under a common gate lock, or suppressed there)", who);
	else
		snprintf(buf, len, "found only across processes: no single process made all these edges, so no run "
			 "reported it; it deadlocks when these code paths run at the same time in one process");
	if (has_site_class(m, c)) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "; through classes of locks by creation site: a deadlock only if "
			 "one object's locks can be taken in both orders");
	}
}

void cycle_procs(const struct cycle *c, struct cycle_procs *out)
{
	out->n = 0;
	/* First origins first: edge k's own process is P<k> where it can be. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < c->n; i++) {
			const struct g_edge *e = c->edges[i];
			for (int k = pass ? 1 : 0; k < (pass ? e->norigins : (e->norigins > 0)); k++)
				if (!cycle_proc_num(out, e->origins[k].process) &&
				    out->n < (int)(sizeof out->procs / sizeof out->procs[0]))
					out->procs[out->n++] = e->origins[k].process;
		}
	if (c->process >= 0 && !cycle_proc_num(out, c->process) &&
	    out->n < (int)(sizeof out->procs / sizeof out->procs[0]))
		out->procs[out->n++] = c->process;
}

int cycle_proc_num(const struct cycle_procs *p, int process)
{
	for (int i = 0; i < p->n; i++)
		if (p->procs[i] == process)
			return i + 1;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if none starts there. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
	      : (s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void put_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_len(p);
		int c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (n == 0 || c1 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			fprintf(f, "\\x%02x", *p);
			p++;
			continue;
		}
		fwrite(p, 1, (size_t)n, f);
		p += n;
	}
}
