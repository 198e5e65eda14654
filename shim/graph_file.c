/* The per-process graph file (graph_file.h): raw classes and edges noted on the slow path, turned into
 * class identities and written as JSON lines at exit, exec, a fatal report or a fatal signal. */
#include "graph_file.h"
#include "config.h"
#include "graph_objects.h"
#include "init_sites.h"
#include "graph_proc.h"
#include "ilock.h"
#include "order.h"
#include "output.h"
#include "report.h"
#include "sigdefer.h"
#include "stacks.h"
#include "symbolize.h"
#include "threads.h"
#include "wrap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#define GRAPH_FORMAT_VERSION 1
#define FLUSH_AT (1u << 20)

int graph_file_on;

static struct ilock gf_lock = ILOCK_INIT;
static char dir_path[PATH_MAX];
static pid_t owner_pid;                 /* a vfork child shares our memory but is not us */
static struct graph_objects objects;    /* for telling static locks at note time */

/* ---------------------------------------------------------------- raw classes and edges */

enum raw_tag { RAW_STATIC = 1, RAW_SITE_PC, RAW_SITE_STACK };

struct raw_key {
	uint64_t tag;
	uint64_t value;                 /* the lock's address, the site's pc, or the first use's stack id */
};

struct raw_class {
	struct raw_key key;
	int kind;
	uintptr_t addr;                 /* the (first) lock seen in this class */
	uintptr_t site_pc;
	uint32_t site_stack;
	int site_is_init;
	char *ident;                    /* resolved identity, the merge key; NULL until resolved */
	char *fields;                   /* resolved: the class line's other fields, as JSON */
	/* A lock initialised with a creation stack (init_sites.h) has two identities, resolved together:
	 * its site's, and its site's caller's.  Which one is ident is decided again at each write, by
	 * whether the site is a wrapper by then (it may become one after the identities were resolved,
	 * at a dlclose), or as it was when the site's object was unloaded (wrapper_then). */
	char *site_ident, *site_fields;
	char *caller_ident, *caller_fields;
	int wrapper_then;               /* -1: the site's object is loaded; else init_site_is_wrapper then */
	int index;                      /* in classes[] */
	int out_id;                     /* while writing: the class's id in the file, -1 if not written */
	UT_hash_handle hh;
};

struct raw_edge {
	uint64_t key;                   /* from << 32 | to, raw class indices */
	uint32_t count;                 /* lock-level edges made between these classes */
	uint32_t acquire_stack, held_stack;
	uintptr_t held_pc;
	int thread_num;
	UT_hash_handle hh;
};

struct live_cycle {
	int n;
	uint64_t *edges;                /* raw edge keys */
};

static struct raw_class **classes;      /* by index; a retired class stays here, out of the hash */
static int nclasses, classes_cap;
static struct raw_class *class_hash;
static struct raw_edge **edges;
static int nedges, edges_cap;
static struct raw_edge *edge_hash;
static struct live_cycle *lives;
static int nlives, lives_cap;

static int grow(void **array, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return 0;
	int c = *cap ? 2 * *cap : 64;
	while (c < need)
		c *= 2;
	void *p = realloc(*array, (size_t)c * size);
	if (!p)
		return -1;
	*array = p;
	*cap = c;
	return 0;
}

/* Under gf_lock.  A static lock (inside a loaded object) is its own class; any other lock is the
 * class of its creation site. */
static int raw_class_of(const struct graph_lock_note *l)
{
	struct raw_key key = { 0, 0 };
	int is_static = graph_objects_find(&objects, l->addr) != NULL;
	if (!is_static && graph_objects_stale(&objects)) {
		/* A library loaded since: its static locks are in ranges the table does not have yet. */
		struct graph_objects fresh;
		if (graph_objects_load(&fresh) == 0) {
			graph_objects_free(&objects);
			objects = fresh;
			is_static = graph_objects_find(&objects, l->addr) != NULL;
		}
	}
	if (is_static) {
		key.tag = RAW_STATIC;
		key.value = l->addr;
	} else if (!l->site_stack) {    /* an init in a library keeps (site, caller): init_sites.h */
		key.tag = RAW_SITE_PC;
		key.value = l->site_pc;
	} else {
		key.tag = RAW_SITE_STACK;
		key.value = l->site_stack;
	}
	struct raw_class *c;
	HASH_FIND(hh, class_hash, &key, sizeof key, c);
	if (c)
		return c->index;
	if (grow((void **)&classes, &classes_cap, nclasses + 1, sizeof *classes) != 0)
		return -1;
	c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->key = key;
	c->wrapper_then = -1;
	c->kind = l->kind;
	c->addr = l->addr;
	c->site_pc = l->site_pc;
	c->site_stack = l->site_stack;
	c->site_is_init = l->site_is_init;
	c->index = nclasses;
	classes[nclasses++] = c;
	HASH_ADD(hh, class_hash, key, sizeof c->key, c);
	return c->index;
}

static struct raw_edge *raw_edge_of(const struct graph_edge_note *e, int create)
{
	int a = raw_class_of(&e->from), b = raw_class_of(&e->to);
	if (a < 0 || b < 0 || a == b)
		return NULL;            /* two instances of one class: nothing another process can match */
	uint64_t key = (uint64_t)a << 32 | (uint32_t)b;
	struct raw_edge *r;
	HASH_FIND(hh, edge_hash, &key, sizeof key, r);
	if (r || !create)
		return r;
	if (grow((void **)&edges, &edges_cap, nedges + 1, sizeof *edges) != 0 || !(r = calloc(1, sizeof *r)))
		return NULL;
	r->key = key;
	r->acquire_stack = e->acquire_stack;
	r->held_stack = e->held_stack;
	r->held_pc = e->held_pc;
	r->thread_num = e->thread_num;
	edges[nedges++] = r;
	HASH_ADD(hh, edge_hash, key, sizeof r->key, r);
	return r;
}

void graph_file_note_edge(const struct graph_edge_note *e)
{
	ilock_acquire(&gf_lock);
	struct raw_edge *r = raw_edge_of(e, 1);
	if (r)
		r->count++;
	ilock_release(&gf_lock);
}

void graph_file_note_live_cycle(const struct graph_edge_note *cycle, int n)
{
	ilock_acquire(&gf_lock);
	uint64_t *keys = n > 0 ? malloc((size_t)n * sizeof *keys) : NULL;
	int k = 0;
	for (int i = 0; keys && i < n; i++) {
		struct raw_edge *r = raw_edge_of(&cycle[i], 1);
		if (r)
			keys[k++] = r->key;
	}
	if (k >= 2 && grow((void **)&lives, &lives_cap, nlives + 1, sizeof *lives) == 0) {
		lives[nlives].n = k;
		lives[nlives].edges = keys;
		nlives++;
		keys = NULL;
	}
	free(keys);
	ilock_release(&gf_lock);
}

/* ---------------------------------------------------------------- identities */

/* A class's identity: what makes it the same class in another process of the same program, or of
 * another program linking the same library, or in another build of the same source.
 *   static lock:  "static OBJECT:SYMBOL[+N]"        (no symbol: "static OBJECT@BUILD-ID+0xOFFSET")
 *   other lock:   "site FUNCTION FILE:LINE"        (the creation site in the program's own code, or for
 *                 a lock made through a library's wrapper the wrapper's caller; without debug info:
 *                 "site OBJECT@BUILD-ID:FUNCTION+0xN" or "...+0xOFFSET") */
static void resolve_static(struct raw_class *c, const struct graph_objects *now)
{
	char name[256], ident[1024];
	const struct graph_object *o = graph_objects_find(now, c->addr);
	int named = symbolize_data(c->addr, name, sizeof name);
	uintptr_t offset = o ? c->addr - o->bias : c->addr;
	if (o && named)
		snprintf(ident, sizeof ident, "static %s:%s", o->name, name);
	else
		snprintf(ident, sizeof ident, "static %s@%s+0x%lx", o ? o->name : "?", o ? o->build_id : "",
			 (unsigned long)offset);
	struct outbuf ob;
	ob_init(&ob);
	ob_puts(&ob, "\"kind\":\"static\",\"lock\":");
	ob_json_string(&ob, lock_kind_name(c->kind));
	ob_puts(&ob, ",\"name\":");
	ob_json_string(&ob, named ? name : NULL);
	ob_puts(&ob, ",\"object\":");
	ob_json_string(&ob, o ? o->name : NULL);
	ob_puts(&ob, ",\"object_path\":");
	ob_json_string(&ob, o && o->path[0] == '/' ? o->path : NULL);
	ob_puts(&ob, ",\"build_id\":");
	ob_json_string(&ob, o && o->build_id[0] ? o->build_id : NULL);
	ob_printf(&ob, ",\"offset\":\"0x%lx\",\"how\":null,\"site\":null", (unsigned long)offset);
	c->ident = strdup(ident);
	c->fields = ob.data && !ob.failed ? ob.data : NULL;
	if (!c->fields)
		ob_free(&ob);
}

/* The identity and fields of a site class named by frame f (at: an address in the object it names);
 * wrapper: for a class named by the wrapper's caller, the wrapper's own frame. */
static void site_identity(const struct raw_class *c, const struct graph_objects *now, const struct frame_info *f,
			  uintptr_t at, const struct frame_info *wrapper, char **ident_out, char **fields_out)
{
	char ident[1024];
	const char *slash = strrchr(f->file, '/');
	const struct graph_object *o = graph_objects_find(now, at);
	if (f->file[0] && f->line > 0) {
		snprintf(ident, sizeof ident, "site %s %s:%d", f->func[0] ? f->func : "??", slash ? slash + 1 : f->file,
			 f->line);
	} else {
		if (f->func[0] && f->has_func_offset)
			snprintf(ident, sizeof ident, "site %s@%s:%s+0x%lx", o ? o->name : f->object, o ? o->build_id : "",
				 f->func, (unsigned long)f->func_offset);
		else
			snprintf(ident, sizeof ident, "site %s@%s+0x%lx", o ? o->name : f->object, o ? o->build_id : "",
				 (unsigned long)f->offset);
	}
	struct outbuf ob;
	ob_init(&ob);
	ob_puts(&ob, "\"kind\":\"site\",\"lock\":");
	ob_json_string(&ob, lock_kind_name(c->kind));
	ob_puts(&ob, ",\"name\":null,\"object\":");
	ob_json_string(&ob, f->object[0] ? f->object : NULL);
	ob_puts(&ob, ",\"object_path\":");
	ob_json_string(&ob, f->object_path[0] ? f->object_path : NULL);
	ob_puts(&ob, ",\"build_id\":");
	ob_json_string(&ob, o && o->build_id[0] ? o->build_id : NULL);
	ob_printf(&ob, ",\"offset\":null,\"how\":\"%s\",\"site\":", c->site_is_init ? "init" : "first-use");
	report_json_frame(&ob, f);
	if (wrapper) {                  /* "site" is the wrapper's caller; the wrapper itself: */
		ob_puts(&ob, ",\"wrapper\":");
		report_json_frame(&ob, wrapper);
	}
	*ident_out = strdup(ident);
	*fields_out = ob.data && !ob.failed ? ob.data : NULL;
	if (!*fields_out)
		ob_free(&ob);
}

static void resolve_site(struct raw_class *c, const struct graph_objects *now)
{
	struct report_lock l;
	struct frame_info f, w;
	memset(&l, 0, sizeof l);
	l.create_pc = c->site_pc;
	l.create_stack = c->site_stack;
	l.create_is_init = c->site_is_init;
	report_lock_site_frame(&l, &f);
	site_identity(c, now, &f, f.pc ? f.pc : c->site_pc, NULL, &c->site_ident, &c->site_fields);
	/* A lock made through a library's wrapper is of the class of the wrapper's caller: the
	 * wrapper's own site is the same for every lock it makes.  Both are resolved now (a dlclose
	 * resolves every class so far, and the caller's object may be the one going); whether the site is
	 * a wrapper is asked when the file is written (pick_identity). */
	if (c->site_is_init && report_init_caller_frame(c->site_stack, c->site_pc, &f)) {
		symbolize_code(c->site_pc, 1, &w);
		site_identity(c, now, &f, f.pc, &w, &c->caller_ident, &c->caller_fields);
	}
}

/* Under gf_lock: a site class's identity as of now (see struct raw_class). */
static void pick_identity(struct raw_class *c)
{
	if (c->key.tag == RAW_STATIC || !c->site_ident)
		return;
	int wrapper = c->caller_ident && c->caller_fields &&
		      (c->wrapper_then >= 0 ? c->wrapper_then : init_site_is_wrapper(c->site_pc));
	c->ident = wrapper ? c->caller_ident : c->site_ident;
	c->fields = wrapper ? c->caller_fields : c->site_fields;
}

/* Under gf_lock, with the re-entry guard set (symbolizes). */
static void resolve_pending(const struct graph_objects *now)
{
	for (int i = 0; i < nclasses; i++) {
		struct raw_class *c = classes[i];
		if (c->key.tag == RAW_STATIC) {
			if (!c->ident)
				resolve_static(c, now);
		} else {
			if (!c->site_ident)
				resolve_site(c, now);
			pick_identity(c);
		}
	}
}

/* ---------------------------------------------------------------- loaded objects */

static void objects_changed(void)
{
	struct graph_objects fresh, old;
	if (!graph_file_on || graph_objects_load(&fresh) != 0)
		return;
	ilock_acquire(&gf_lock);
	old = objects;
	objects = fresh;
	ilock_release(&gf_lock);
	graph_objects_free(&old);
}

void graph_file_before_dlclose(void)
{
	struct graph_objects now;
	if (!graph_file_on || graph_objects_load(&now) != 0)
		return;
	tls_guard++;
	ilock_acquire(&gf_lock);
	resolve_pending(&now);
	ilock_release(&gf_lock);
	tls_guard--;
	graph_objects_free(&now);
}

void graph_file_forget_range(uintptr_t lo, uintptr_t hi)
{
	if (!graph_file_on)
		return;
	ilock_acquire(&gf_lock);
	/* Its sites are forgotten next (init_sites_forget_range): keep whether each was a wrapper. */
	for (int i = 0; i < nclasses; i++)
		if (classes[i]->key.tag != RAW_STATIC && classes[i]->wrapper_then < 0 && classes[i]->site_pc >= lo &&
		    classes[i]->site_pc < hi)
			classes[i]->wrapper_then = init_site_is_wrapper(classes[i]->site_pc);
	struct raw_class *c, *tmp;
	HASH_ITER(hh, class_hash, c, tmp) {
		uintptr_t at = c->key.tag == RAW_STATIC ? c->addr : c->site_pc;
		if (at >= lo && at < hi)
			HASH_DEL(class_hash, c);        /* resolved already; a new lock there is a new class */
	}
	ilock_release(&gf_lock);
	objects_changed();
}

/* ---------------------------------------------------------------- writing */

struct ident_entry {
	struct raw_class *first;        /* its fields are written for the class */
	int out_id;
	UT_hash_handle hh;
};

struct out_edge {
	uint64_t key;                   /* from << 32 | to, ids in the file */
	uint64_t count;
	struct raw_edge *rep;           /* the first noted: its stacks represent the edge */
	int stack, held_stack;
	UT_hash_handle hh;
};

struct stack_key {
	uint64_t stack, pc;
};

struct out_stack {
	struct stack_key key;
	int id;
	UT_hash_handle hh;
};

struct writer {
	int fd;
	int err;
	struct outbuf ob;
	struct ident_entry *idents;
	struct raw_class **out_classes;
	int nout_classes, out_classes_cap;
	struct out_edge *oedge_hash, **oedges;
	int noedges, oedges_cap;
	struct out_stack *stack_hash, **stacks;
	int nstacks, stacks_cap;
};

static void flush(struct writer *w, int force)
{
	if (w->ob.failed && !w->err)
		w->err = ENOMEM;
	if (!w->ob.data || !w->ob.len || (!force && w->ob.len < FLUSH_AT))
		return;
	if (!w->err)
		w->err = output_write_fd(w->fd, w->ob.data, w->ob.len);
	w->ob.len = 0;
	w->ob.data[0] = '\0';
}

static int class_out_id(struct writer *w, struct raw_class *c)
{
	struct ident_entry *e;
	if (!c->ident || !c->fields)
		return -1;
	HASH_FIND_STR(w->idents, c->ident, e);
	if (!e) {
		if (grow((void **)&w->out_classes, &w->out_classes_cap, w->nout_classes + 1, sizeof *w->out_classes) ||
		    !(e = calloc(1, sizeof *e)))
			return -1;
		e->first = c;
		e->out_id = w->nout_classes;
		w->out_classes[w->nout_classes++] = c;
		HASH_ADD_KEYPTR(hh, w->idents, c->ident, strlen(c->ident), e);
	}
	return e->out_id;
}

static int stack_out_id(struct writer *w, uint32_t stack, uintptr_t pc)
{
	struct stack_key key = { stack, stack ? 0 : pc };
	struct out_stack *s;
	if (!key.stack && !key.pc)
		return -1;
	HASH_FIND(hh, w->stack_hash, &key, sizeof key, s);
	if (s)
		return s->id;
	if (grow((void **)&w->stacks, &w->stacks_cap, w->nstacks + 1, sizeof *w->stacks) || !(s = calloc(1, sizeof *s)))
		return -1;
	s->key = key;
	s->id = w->nstacks;
	w->stacks[w->nstacks++] = s;
	HASH_ADD(hh, w->stack_hash, key, sizeof s->key, s);
	return s->id;
}

/* The class graph of this process: raw edges joined by identity; a class edge onto itself (two
 * sites that resolve to one line, say) orders nothing across processes and is dropped. */
static void build_out_edges(struct writer *w)
{
	for (int i = 0; i < nedges; i++) {
		struct raw_edge *r = edges[i];
		int a = class_out_id(w, classes[r->key >> 32]), b = class_out_id(w, classes[(uint32_t)r->key]);
		if (a < 0 || b < 0 || a == b)
			continue;
		uint64_t key = (uint64_t)a << 32 | (uint32_t)b;
		struct out_edge *e;
		HASH_FIND(hh, w->oedge_hash, &key, sizeof key, e);
		if (!e) {
			if (grow((void **)&w->oedges, &w->oedges_cap, w->noedges + 1, sizeof *w->oedges) ||
			    !(e = calloc(1, sizeof *e)))
				continue;
			e->key = key;
			e->rep = r;
			e->stack = stack_out_id(w, r->acquire_stack, 0);
			e->held_stack = stack_out_id(w, r->held_stack, r->held_pc);
			w->oedges[w->noedges++] = e;
			HASH_ADD(hh, w->oedge_hash, key, sizeof e->key, e);
		}
		e->count += r->count;
	}
}

struct frames_out {
	struct outbuf *ob;
	int n;
};

static int frame_out(const struct frame_info *f, void *arg)
{
	struct frames_out *fo = arg;
	ob_puts(fo->ob, fo->n++ ? "," : "");
	report_json_frame(fo->ob, f);
	return 0;
}

static void write_lines(struct writer *w, const char *reason, const struct graph_objects *now, uint64_t t0)
{
	struct outbuf *ob = &w->ob;
	ob_printf(ob, "{\"coffman_graph\":%d,\"type\":\"header\",\"producer\":\"libcoffman\",\"processes\":1}\n",
		  GRAPH_FORMAT_VERSION);
	ob_puts(ob, "{\"type\":\"process\",\"id\":0,");
	graph_proc_json(ob, reason, now);
	ob_printf(ob, ",\"classes_site\":%s}\n", cfg.classes_site ? "true" : "false");
	for (int i = 0; i < w->nout_classes; i++) {
		ob_printf(ob, "{\"type\":\"class\",\"id\":%d,\"key\":", i);
		ob_json_string(ob, w->out_classes[i]->ident);
		ob_printf(ob, ",%s}\n", w->out_classes[i]->fields);
		flush(w, 0);
	}
	for (int i = 0; i < w->nstacks; i++) {
		struct frames_out fo = { ob, 0 };
		ob_printf(ob, "{\"type\":\"stack\",\"id\":%d,\"frames\":[", i);
		report_walk_stack((uint32_t)w->stacks[i]->key.stack, (uintptr_t)w->stacks[i]->key.pc, frame_out, &fo);
		ob_puts(ob, "]}\n");
		flush(w, 0);
	}
	for (int i = 0; i < w->noedges; i++) {
		const struct out_edge *e = w->oedges[i];
		ob_printf(ob, "{\"type\":\"edge\",\"from\":%u,\"to\":%u,\"count\":%llu,\"processes\":1,\"origins\":"
			  "[{\"process\":0,\"count\":%llu,\"thread\":%d,\"stack\":", (unsigned)(e->key >> 32),
			  (unsigned)(uint32_t)e->key, (unsigned long long)e->count, (unsigned long long)e->count,
			  e->rep->thread_num);
		ob_printf(ob, e->stack >= 0 ? "%d" : "null", e->stack);
		ob_puts(ob, ",\"held_stack\":");
		ob_printf(ob, e->held_stack >= 0 ? "%d" : "null", e->held_stack);
		ob_puts(ob, "}]}\n");
		flush(w, 0);
	}
	for (int i = 0; i < nlives; i++) {
		struct outbuf line;
		int ok = 1;
		ob_init(&line);
		ob_puts(&line, "{\"type\":\"live\",\"processes\":[0],\"edges\":[");
		for (int k = 0; k < lives[i].n && ok; k++) {
			const struct raw_edge *r;
			HASH_FIND(hh, edge_hash, &lives[i].edges[k], sizeof lives[i].edges[k], r);
			int a = r ? class_out_id(w, classes[r->key >> 32]) : -1;
			int b = r ? class_out_id(w, classes[(uint32_t)r->key]) : -1;
			ok = a >= 0 && b >= 0 && a != b;
			ob_printf(&line, "%s[%d,%d]", k ? "," : "", a, b);
		}
		ob_puts(&line, "]}\n");
		if (ok && line.data && !line.failed)
			ob_puts(ob, line.data);
		ob_free(&line);
	}
	ob_printf(ob, "{\"type\":\"end\",\"classes\":%d,\"edges\":%d,\"stacks\":%d,\"write_ms\":%.3f}\n",
		  w->nout_classes, w->noedges, w->nstacks, (double)(now_ns() - t0) / 1e6);
	flush(w, 1);
}

static void writer_free(struct writer *w)
{
	struct ident_entry *e, *etmp;
	HASH_ITER(hh, w->idents, e, etmp) {
		HASH_DEL(w->idents, e);
		free(e);
	}
	HASH_CLEAR(hh, w->oedge_hash);
	for (int i = 0; i < w->noedges; i++)
		free(w->oedges[i]);
	HASH_CLEAR(hh, w->stack_hash);
	for (int i = 0; i < w->nstacks; i++)
		free(w->stacks[i]);
	free(w->oedges);
	free(w->stacks);
	free(w->out_classes);
	ob_free(&w->ob);
}

static int warned;

static void write_failed(const char *what, const char *why)
{
	if (!warned++)
		output_warn("COFFMAN_GRAPH_DIR: cannot write the lock graph to %s/%s: %s", dir_path, what, why);
}

/* Under gf_lock: the file, complete under a temporary name, then renamed into place. */
static int write_file(const char *reason, const struct graph_objects *now, uint64_t t0)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1];
	struct writer w;
	memset(&w, 0, sizeof w);
	resolve_pending(now);
	build_out_edges(&w);
	if (w.noedges == 0) {
		writer_free(&w);
		return -1;
	}
	graph_proc_file_name(name, sizeof name - 24);
	int dfd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		write_failed(name, strerror(errno));
		writer_free(&w);
		return -1;
	}
	/* An unpredictable temporary name, created exclusively: nothing planted there is written through. */
	w.fd = -1;
	for (int attempt = 0; attempt < 8 && w.fd < 0; attempt++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
			r = now_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)attempt;
		snprintf(tmp, sizeof tmp, ".%.200s.%016llx.tmp", name, (unsigned long long)r);
		w.fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
		if (w.fd < 0 && errno != EEXIST)
			break;
	}
	int rc = -1;
	if (w.fd < 0) {
		write_failed(name, strerror(errno));
	} else {
		write_lines(&w, reason, now, t0);
		if (close(w.fd) != 0 && !w.err)
			w.err = errno;
		if (!w.err && renameat(dfd, tmp, dfd, name) != 0)
			w.err = errno;
		if (w.err) {
			unlinkat(dfd, tmp, 0);
			write_failed(name, strerror(w.err));
		} else {
			rc = 0;
		}
	}
	close(dfd);
	writer_free(&w);
	return rc;
}

int graph_file_write(const char *reason)
{
	if (!graph_file_on || getpid() != owner_pid || !__atomic_load_n(&nedges, __ATOMIC_RELAXED))
		return -1;              /* off, a vfork child (its parent writes its own file), or nothing */
	int saved_errno = errno;
	int cancel_state = cancel_disable();
	tls_guard++;
	uint64_t t0 = now_ns();
	struct graph_objects now;
	int rc = -1;
	if (graph_objects_load(&now) == 0) {
		ilock_acquire(&gf_lock);
		if (nedges > 0)
			rc = write_file(reason, &now, t0);
		ilock_release(&gf_lock);
		graph_objects_free(&now);
	}
	tls_guard--;
	cancel_restore(cancel_state);
	errno = saved_errno;
	return rc;
}

/* ---------------------------------------------------------------- fatal signals */

static const int fatal_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGSEGV, SIGBUS,
				     SIGTERM, SIGXCPU, SIGXFSZ };

static void on_fatal_signal(int sig, siginfo_t *info, void *uc);

static int is_fatal_signal(int sig)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (fatal_signals[i] == sig)
			return 1;
	return 0;
}

int graph_file_signal_takes(int sig)
{
	return graph_file_on && is_fatal_signal(sig);
}

int graph_file_signal_is_own(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_fatal_signal;
}

void graph_file_signal_action(struct sigaction *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sa_sigaction = on_fatal_signal;
	sa->sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa->sa_mask);
}

/* Write the file if this thread was not inside coffman's bookkeeping (whose locks would never come
 * free), then let the signal do what it would have done: default disposition, raised again (it is
 * blocked until the handler returns, then delivered; a fault would recur anyway). */
static void on_fatal_signal(int sig, siginfo_t *info, void *uc)
{
	(void)info;
	(void)uc;
	int saved_errno = errno;
	if (ilock_depth == 0) {
		char reason[32];
		snprintf(reason, sizeof reason, "signal %d", sig);
		graph_file_write(reason);
	}
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigdefer_real_action(sig, &dfl, NULL);
	raise(sig);
	errno = saved_errno;
}

static void install_signal_handlers(void)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
		struct sigaction old, sa;
		if (sigdefer_real_action(fatal_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;       /* ignored, or the program's own already: leave it */
		graph_file_signal_action(&sa);
		sigdefer_real_action(fatal_signals[i], &sa, NULL);
	}
}

/* ---------------------------------------------------------------- setup */

/* The directory, absolute (children started elsewhere write to the same place) and created if
 * missing; a symbolic link there is used only if it is the caller's or root's (output.h). */
static int setup_directory(const char *path)
{
	struct stat st;
	if (path[0] == '/') {
		snprintf(dir_path, sizeof dir_path, "%s", path);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd)) {
			output_warn("COFFMAN_GRAPH_DIR=%s: cannot resolve a relative path: %s; no graph file", path,
				    strerror(errno));
			return -1;
		}
		if (strlen(cwd) + 1 + strlen(path) >= sizeof dir_path) {
			output_warn("COFFMAN_GRAPH_DIR=%s: the path is too long; no graph file", path);
			return -1;
		}
		memcpy(dir_path, cwd, strlen(cwd));
		dir_path[strlen(cwd)] = '/';
		memcpy(dir_path + strlen(cwd) + 1, path, strlen(path) + 1);
	}
	if (mkdir(dir_path, 0777) != 0 && errno != EEXIST) {
		output_warn("COFFMAN_GRAPH_DIR=%s: cannot create it: %s; no graph file", path, strerror(errno));
		return -1;
	}
	if (lstat(dir_path, &st) == 0 && S_ISLNK(st.st_mode) && !output_link_trusted(st.st_uid)) {
		output_warn("COFFMAN_GRAPH_DIR=%s is a symbolic link owned by uid %d, not followed; no graph file",
			    path, (int)st.st_uid);
		return -1;
	}
	if (stat(dir_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		output_warn("COFFMAN_GRAPH_DIR=%s is not a directory; no graph file", path);
		return -1;
	}
	return 0;
}

void graph_file_init(void)
{
	if (!cfg.graph_dir || setup_directory(cfg.graph_dir) != 0)
		return;
	owner_pid = getpid();
	if (graph_objects_load(&objects) != 0)
		return;
	graph_file_on = 1;
	install_signal_handlers();
}

/* The child starts a graph of its own: what its parent noted is the parent's to write. */
void graph_file_after_fork_child(void)
{
	ilock_reset(&gf_lock);
	if (!graph_file_on)
		return;
	owner_pid = getpid();
	graph_proc_started();
	/* The parent's tables are left behind, not freed: a parent thread may have been mid-update. */
	classes = NULL;
	nclasses = classes_cap = 0;
	class_hash = NULL;
	edges = NULL;
	nedges = edges_cap = 0;
	edge_hash = NULL;
	lives = NULL;
	nlives = lives_cap = 0;
}
