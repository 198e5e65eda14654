/* The machine-readable report (COFFMAN_FORMAT=json): one JSON object per report, on one line, with no
 * "==PID==" prefix, so a log is JSON lines (the warnings and the at-exit summary are objects too, with
 * "kind":"warning" / "kind":"summary": see output.c and report.c).  It carries every fact the text
 * report shows; field names are stable:
 *
 *   {"coffman":1, "pid":N, "kind":"...", "summary":"...", "note":"..." | "",
 *    "cycle":["L1","L2","L1"],                       (lock-order-inversion; [] otherwise)
 *    "threads":[{"id":"T2","num":2,"tid":N,"name":"..."|null,"main":false,
 *                "created_by":"T1"|null,"create_stack":[frame...]}],
 *    "locks":[{"id":"L1","address":"0x...","name":"lock_a"|null,"type":"mutex"|"lock class"|null,
 *              "static_data":{"object":"libx.so","offset":"0x..."}|null,
 *              "created":{"how":"init"|"first-use","frame":frame,"frames":[frame...],
 *                         "caller":frame|null}|null,
 *              "instances":["0x..."]}],                      (a lock class's instances seen; [] otherwise)
 *    "edges":[{"from":"L1","to":"L2","thread":"T2","stack":[frame...],"held_stack":[frame...],
 *              "from_instance":"0x..."|null,"to_instance":"0x..."|null}],   (instances: of a lock class)
 *    "waits":[{"thread":"T2","waits_for":"L1"|null,"what":"mutex","blocked":true,
 *              "object":"0x..."|null,"holds":["L2"],"seconds":1.25,"stack":[frame...]}],
 *    "stacks":[{"label":"...","frames":[frame...]}]}
 *
 *   frame = {"function":"f"|null,"file":"/path/x.c"|null,"line":5|null,"pc":"0x...",
 *            "object":"prog"|null,"inlined":false,
 *            "object_path":"/usr/lib/libx.so.3"|null,"offset":"0x2f1a4"|null,"function_offset":"0x1c"|null}
 *   "offset" is the address in the object's own terms (for a return address, of the call: pc - 1),
 *   what `addr2line -e OBJECT_PATH OFFSET` resolves; "function_offset" is that address's distance
 *   from the start of the function's symbol, when the function came from a symbol table.  "line" is
 *   null when unknown, never 0.
 *
 * A reference to a thread or lock the report does not hold (a partially filled report) is null.
 */
#include "report.h"
#include "symbolize.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- pieces */

/* A count of the report, clamped to its array: a partially filled report never reads outside them. */
static int clamp(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

#define NTHREADS(r) clamp((r)->nthreads, REPORT_MAX_THREADS)
#define NLOCKS(r) clamp((r)->nlocks, REPORT_MAX_LOCKS)
#define NEDGES(r) clamp((r)->nedges, REPORT_MAX_EDGES)
#define NWAITS(r) clamp((r)->nwaits, REPORT_MAX_THREADS)
#define NSTACKS(r) clamp((r)->nstacks, REPORT_MAX_STACKS)

/* src (a char array of size len) as a terminated string in buf (at least len + 1 bytes). */
static const char *bounded(char *buf, const char *src, size_t len)
{
	memcpy(buf, src, len);
	buf[len] = '\0';
	return buf;
}

static void json_ref(struct outbuf *ob, char prefix, int num)
{
	ob_printf(ob, "\"%c%d\"", prefix, num);
}

/* "L<n>" for a lock index of the report, null for anything out of range. */
static void lock_ref(struct outbuf *ob, const struct report *r, int i)
{
	if (i >= 0 && i < NLOCKS(r))
		json_ref(ob, 'L', i + 1);
	else
		ob_puts(ob, "null");
}

/* "T<num>" for a thread index of the report, null for anything out of range. */
static void thread_ref(struct outbuf *ob, const struct report *r, int i)
{
	if (i >= 0 && i < NTHREADS(r))
		json_ref(ob, 'T', r->threads[i].num);
	else
		ob_puts(ob, "null");
}

static void json_frame(struct outbuf *ob, const struct frame_info *f)
{
	ob_puts(ob, "{\"function\":");
	ob_json_string(ob, f->func[0] ? f->func : NULL);
	ob_puts(ob, ",\"file\":");
	ob_json_string(ob, f->file[0] ? f->file : NULL);
	if (f->file[0] && f->line > 0)
		ob_printf(ob, ",\"line\":%d", f->line);
	else
		ob_puts(ob, ",\"line\":null");
	ob_printf(ob, ",\"pc\":\"0x%lx\",\"object\":", (unsigned long)f->pc);
	ob_json_string(ob, f->object[0] ? f->object : NULL);
	ob_printf(ob, ",\"inlined\":%s,\"object_path\":", f->inlined ? "true" : "false");
	ob_json_string(ob, f->object_path[0] ? f->object_path : NULL);
	if (f->has_offset)
		ob_printf(ob, ",\"offset\":\"0x%lx\"", (unsigned long)f->offset);
	else
		ob_puts(ob, ",\"offset\":null");
	if (f->func[0] && f->has_func_offset)
		ob_printf(ob, ",\"function_offset\":\"0x%lx\"}", (unsigned long)f->func_offset);
	else
		ob_puts(ob, ",\"function_offset\":null}");
}

struct frames_ctx {
	struct outbuf *ob;
	int count;
};

static int frame_cb(const struct frame_info *f, void *arg)
{
	struct frames_ctx *c = arg;
	if (c->count++)
		ob_puts(c->ob, ",");
	json_frame(c->ob, f);
	return 0;
}

/* A JSON array of the frames shown for a stack (or for the single address pc); [] when neither. */
static void json_frames(struct outbuf *ob, uint32_t stack, uintptr_t pc)
{
	struct frames_ctx c = { ob, 0 };
	ob_puts(ob, "[");
	report_walk_stack(stack, pc, frame_cb, &c);
	ob_puts(ob, "]");
}

static void json_address_or_null(struct outbuf *ob, const char *key, uintptr_t addr)
{
	ob_puts(ob, key);
	if (addr)
		ob_printf(ob, "\"0x%lx\"", (unsigned long)addr);
	else
		ob_puts(ob, "null");
}

/* ---------------------------------------------------------------- sections */

static void json_cycle(const struct report *r, struct outbuf *ob)
{
	ob_puts(ob, ",\"cycle\":[");
	for (int i = 0; i < NEDGES(r); i++) {
		lock_ref(ob, r, r->edges[i].from);
		ob_puts(ob, ",");
	}
	if (NEDGES(r))
		lock_ref(ob, r, r->edges[0].from);
	ob_puts(ob, "]");
}

static void json_threads(const struct report *r, struct outbuf *ob)
{
	ob_puts(ob, ",\"threads\":[");
	for (int i = 0; i < NTHREADS(r); i++) {
		const struct report_thread *t = &r->threads[i];
		char name[sizeof t->name + 1];
		bounded(name, t->name, sizeof t->name);
		ob_printf(ob, "%s{\"id\":\"T%d\",\"num\":%d,\"tid\":%d,\"name\":", i ? "," : "", t->num, t->num,
			  (int)t->tid);
		ob_json_string(ob, name[0] ? name : NULL);
		ob_printf(ob, ",\"main\":%s,\"created_by\":", t->num == 1 ? "true" : "false");
		if (t->num != 1 && t->parent_num > 0)
			json_ref(ob, 'T', t->parent_num);
		else
			ob_puts(ob, "null");
		ob_puts(ob, ",\"create_stack\":");
		if (t->num != 1)
			json_frames(ob, t->create_stack, 0);
		else
			ob_puts(ob, "[]");
		ob_puts(ob, "}");
	}
	ob_puts(ob, "]");
}

static void json_locks(const struct report *r, struct outbuf *ob)
{
	char name[200];
	ob_puts(ob, ",\"locks\":[");
	for (int i = 0; i < NLOCKS(r); i++) {
		const struct report_lock *l = &r->locks[i];
		ob_printf(ob, "%s{\"id\":\"L%d\",\"address\":\"0x%lx\",\"name\":", i ? "," : "", i + 1,
			  (unsigned long)l->addr);
		int named = symbolize_data(l->addr, name, sizeof name);
		ob_json_string(ob, named ? name : NULL);
		ob_puts(ob, ",\"type\":");
		ob_json_string(ob, l->kind);
		/* A lock no symbol names, in an object's static data: the object and the offset. */
		uintptr_t offset = 0;
		ob_puts(ob, ",\"static_data\":");
		if (!named && !l->is_class && symbolize_data_object(l->addr, name, sizeof name, &offset)) {
			ob_puts(ob, "{\"object\":");
			ob_json_string(ob, name);
			ob_printf(ob, ",\"offset\":\"0x%lx\"}", (unsigned long)offset);
		} else {
			ob_puts(ob, "null");
		}
		ob_puts(ob, ",\"created\":");
		if (l->create_pc) {
			/* "frame" is the site the text report names (the first frame in the program's own
			 * code); "frames" is the call site itself with the functions it was inlined into. */
			struct frame_info site, frames[8];
			report_lock_site_frame(l, &site);
			int k = symbolize_code_inlined(l->create_pc, 1, frames, 8);
			ob_printf(ob, "{\"how\":\"%s\",\"frame\":", l->create_is_init ? "init" : "first-use");
			json_frame(ob, &site);
			ob_puts(ob, ",\"frames\":[");
			for (int j = 0; j < k; j++) {
				if (j)
					ob_puts(ob, ",");
				json_frame(ob, &frames[j]);
			}
			/* "caller": for a lock made through a library's wrapper, where the wrapper was called. */
			ob_puts(ob, "],\"caller\":");
			if (report_lock_init_caller(l, &site))
				json_frame(ob, &site);
			else
				ob_puts(ob, "null");
			ob_puts(ob, "}");
		} else {
			ob_puts(ob, "null");
		}
		ob_puts(ob, ",\"instances\":[");
		int ninst = l->is_class ? clamp(l->ninstances, 4) : 0;
		for (int k = 0; k < ninst; k++)
			ob_printf(ob, "%s\"0x%lx\"", k ? "," : "", (unsigned long)l->instances[k]);
		ob_puts(ob, "]}");
	}
	ob_puts(ob, "]");
}

static void json_edges(const struct report *r, struct outbuf *ob)
{
	ob_puts(ob, ",\"edges\":[");
	for (int i = 0; i < NEDGES(r); i++) {
		const struct report_edge *e = &r->edges[i];
		ob_puts(ob, i ? ",{\"from\":" : "{\"from\":");
		lock_ref(ob, r, e->from);
		ob_puts(ob, ",\"to\":");
		lock_ref(ob, r, e->to);
		ob_puts(ob, ",\"thread\":");
		thread_ref(ob, r, e->thread);
		ob_puts(ob, ",\"stack\":");
		json_frames(ob, e->acquire_stack, 0);
		ob_puts(ob, ",\"held_stack\":");
		json_frames(ob, e->held_stack, e->held_pc);
		json_address_or_null(ob, ",\"from_instance\":", e->from_instance);
		json_address_or_null(ob, ",\"to_instance\":", e->to_instance);
		ob_puts(ob, "}");
	}
	ob_puts(ob, "]");
}

static void json_waits(const struct report *r, struct outbuf *ob)
{
	ob_puts(ob, ",\"waits\":[");
	for (int i = 0; i < NWAITS(r); i++) {
		const struct report_wait *w = &r->waits[i];
		ob_puts(ob, i ? ",{\"thread\":" : "{\"thread\":");
		thread_ref(ob, r, w->thread);
		ob_puts(ob, ",\"waits_for\":");
		lock_ref(ob, r, w->waits);
		char what[sizeof w->what + 1];
		bounded(what, w->what, sizeof w->what);
		ob_puts(ob, ",\"what\":");
		ob_json_string(ob, what);
		/* A thread listed for context (it holds a lock others wait for) but not itself blocked. */
		ob_printf(ob, ",\"blocked\":%s",
			  w->seconds == 0 && w->waits < 0 && strncmp(what, "nothing", 7) == 0 ? "false" : "true");
		if (w->wait_obj)
			ob_printf(ob, ",\"object\":\"0x%lx\"", (unsigned long)w->wait_obj);
		else
			ob_puts(ob, ",\"object\":null");
		ob_puts(ob, ",\"holds\":[");
		int nholds = w->nholds < 0 ? 0 : w->nholds > 8 ? 8 : w->nholds;
		for (int h = 0; h < nholds; h++) {
			if (h)
				ob_puts(ob, ",");
			lock_ref(ob, r, w->holds[h]);
		}
		if (isfinite(w->seconds))
			ob_printf(ob, "],\"seconds\":%.3f,\"stack\":", w->seconds);
		else
			ob_puts(ob, "],\"seconds\":null,\"stack\":");
		json_frames(ob, w->stack, 0);
		ob_puts(ob, "}");
	}
	ob_puts(ob, "]");
}

static void json_stacks(const struct report *r, struct outbuf *ob)
{
	ob_puts(ob, ",\"stacks\":[");
	for (int i = 0; i < NSTACKS(r); i++) {
		const struct report_stack *s = &r->stacks[i];
		char label[sizeof s->label + 1];
		ob_puts(ob, i ? ",{\"label\":" : "{\"label\":");
		ob_json_string(ob, bounded(label, s->label, sizeof s->label));
		ob_puts(ob, ",\"frames\":");
		json_frames(ob, s->stack, s->pc);
		ob_puts(ob, "}");
	}
	ob_puts(ob, "]");
}

void report_format_json(const struct report *r, struct outbuf *ob)
{
	/* The fixed-size strings are copied so that a report that filled them to the brim (or not at all)
	 * is still read as a terminated string. */
	char text[sizeof r->note + 1];
	ob_printf(ob, "{\"coffman\":1,\"pid\":%d,\"kind\":", (int)getpid());
	ob_json_string(ob, report_kind_name(r->kind));
	ob_puts(ob, ",\"summary\":");
	ob_json_string(ob, bounded(text, r->summary, sizeof r->summary));
	ob_puts(ob, ",\"note\":");
	ob_json_string(ob, bounded(text, r->note, sizeof r->note));
	json_cycle(r, ob);
	json_threads(r, ob);
	json_locks(r, ob);
	json_edges(r, ob);
	json_waits(r, ob);
	json_stacks(r, ob);
	ob_puts(ob, "}\n");
}

void report_json_frame(struct outbuf *ob, const struct frame_info *f)
{
	json_frame(ob, f);
}
