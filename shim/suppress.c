/* Suppressions (COFFMAN_SUPPRESSIONS), the SARIF log (COFFMAN_SARIF), and the frame walk they share with
 * the JSON writer.
 *
 * Rules file: one rule a line, KIND:PATTERN.  KIND is a report kind or "*"; PATTERN is an fnmatch(3)
 * glob (no flags: "*" also matches "/") tried against the function name, the source file (as recorded,
 * and its basename) and the object (executable or library basename) of every frame the report shows
 * for an acquisition, a held lock, a blocked thread, an extra stack or a lock's creation site.  Thread
 * creation stacks are not matched: a rule naming the function that starts the workers would otherwise
 * hide every report between them.  Blank lines and lines starting with '#' are ignored; whitespace
 * around the line, the kind and the pattern is trimmed; the pattern is everything after the first ':'
 * (so "ns::f" works).  Any malformed line makes the whole file an error and no rule is used.
 *
 * SARIF: each emitted report is turned into a SARIF result right away (symbolized while the report
 * exists), kept as JSON text, and the log is written at exit.  At most SARIF_MAX_RESULTS are kept.
 */
#include "suppress.h"
#include "config.h"
#include "output.h"
#include "report.h"
#include "stacks.h"
#include "symbolize.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- suppressions */

#define SUPPRESS_MAX_RULES 1024
#define SUPPRESS_MAX_LINE 4096

struct rule {
	int kind;                       /* enum report_kind, or -1 for "*" */
	char *pattern;
};

static struct rule rules[SUPPRESS_MAX_RULES];
static int nrules;

static void rules_free(void)
{
	for (int i = 0; i < nrules; i++)
		free(rules[i].pattern);
	nrules = 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trim s in place; returns the first non-blank character. */
static char *trim(char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int kind_from_name(const char *name)
{
	if (strcmp(name, "*") == 0)
		return -1;
	for (int k = 0; k < RK_KIND_COUNT; k++)
		if (strcmp(name, report_kind_name((enum report_kind)k)) == 0)
			return k;
	return -2;
}

/* Parse one line; 0 ok (a rule added or nothing to add), -1 with the reason in why. */
static int parse_line(char *line, char *why, size_t len)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return 0;
	char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(why, len, "expected KIND:PATTERN, found no ':'");
		return -1;
	}
	*colon = '\0';
	char *kind = trim(s);
	char *pattern = trim(colon + 1);
	int k = kind_from_name(kind);
	if (k == -2) {
		snprintf(why, len, "unknown kind '%.64s' (expected lock-order-inversion, double-lock, bad-unlock, "
			 "destroy-locked, deadlock, hang or '*')", kind);
		return -1;
	}
	if (!*pattern) {
		snprintf(why, len, "empty pattern");
		return -1;
	}
	if (nrules == SUPPRESS_MAX_RULES) {
		snprintf(why, len, "too many rules (the limit is %d)", SUPPRESS_MAX_RULES);
		return -1;
	}
	char *copy = strdup(pattern);
	if (!copy) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	rules[nrules].kind = k;
	rules[nrules].pattern = copy;
	nrules++;
	return 0;
}

int suppress_load(const char *path)
{
	char line[SUPPRESS_MAX_LINE];
	rules_free();
	FILE *f = fopen(path, "re");
	if (!f) {
		output_warn("COFFMAN_SUPPRESSIONS: cannot read %s: %s; no suppressions are used", path,
			    strerror(errno));
		return -1;
	}
	int lineno = 0, ok = 1;
	char why[256] = "";
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
			snprintf(why, sizeof why, "line too long (more than %d bytes)", SUPPRESS_MAX_LINE - 2);
			ok = 0;
			break;
		}
		if (parse_line(line, why, sizeof why) != 0) {
			ok = 0;
			break;
		}
	}
	if (ok && ferror(f)) {
		output_warn("COFFMAN_SUPPRESSIONS: cannot read %s: %s; no suppressions are used", path,
			    strerror(errno));
		fclose(f);
		rules_free();
		return -1;
	}
	fclose(f);
	if (!ok) {
		output_warn("COFFMAN_SUPPRESSIONS: %s:%d: %s; no suppressions are used", path, lineno, why);
		rules_free();
		return -1;
	}
	return 0;
}

static int rule_applies(const struct rule *rule, enum report_kind kind)
{
	return rule->kind == -1 || rule->kind == (int)kind;
}

struct match_ctx {
	enum report_kind kind;
};

static int glob_matches(const char *pattern, const char *s)
{
	return s[0] && fnmatch(pattern, s, 0) == 0;
}

static int match_frame(const struct frame_info *f, void *arg)
{
	const struct match_ctx *m = arg;
	const char *slash = strrchr(f->file, '/');
	for (int i = 0; i < nrules; i++) {
		const char *p = rules[i].pattern;
		if (!rule_applies(&rules[i], m->kind))
			continue;
		if (glob_matches(p, f->func) || glob_matches(p, f->file) || glob_matches(p, f->object) ||
		    (slash && glob_matches(p, slash + 1)))
			return 1;
	}
	return 0;
}

int suppress_matches(const struct report *r)
{
	int any = 0;
	for (int i = 0; i < nrules && !any; i++)
		any = rule_applies(&rules[i], r->kind);
	if (!any)
		return 0;               /* no symbolization when no rule can apply */
	struct match_ctx m = { r->kind };
	int nedges = r->nedges < REPORT_MAX_EDGES ? r->nedges : REPORT_MAX_EDGES;
	int nwaits = r->nwaits < REPORT_MAX_THREADS ? r->nwaits : REPORT_MAX_THREADS;
	int nstacks = r->nstacks < REPORT_MAX_STACKS ? r->nstacks : REPORT_MAX_STACKS;
	int nlocks = r->nlocks < REPORT_MAX_LOCKS ? r->nlocks : REPORT_MAX_LOCKS;
	for (int i = 0; i < nedges; i++) {
		if (report_walk_stack(r->edges[i].acquire_stack, 0, match_frame, &m) ||
		    report_walk_stack(r->edges[i].held_stack, r->edges[i].held_pc, match_frame, &m))
			return 1;
	}
	for (int i = 0; i < nwaits; i++)
		if (report_walk_stack(r->waits[i].stack, 0, match_frame, &m))
			return 1;
	for (int i = 0; i < nstacks; i++)
		if (report_walk_stack(r->stacks[i].stack, r->stacks[i].pc, match_frame, &m))
			return 1;
	for (int i = 0; i < nlocks; i++)
		if (r->locks[i].create_pc && report_walk_stack(0, r->locks[i].create_pc, match_frame, &m))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- SARIF */

#define SARIF_MAX_RESULTS 1000
#define SARIF_MAX_RELATED 64

struct sarif_result {
	char *_Atomic json;             /* the result object; NULL until complete */
	pid_t pid;                      /* the process that made it (a forked child inherits the rest) */
};

static struct sarif_result results[SARIF_MAX_RESULTS];
static atomic_uint nresults;            /* slots handed out (may exceed the limit: then dropped) */
static atomic_uint ndropped;
static pid_t load_pid;

__attribute__((constructor)) static void sarif_note_pid(void)
{
	load_pid = getpid();
}

static const struct {
	const char *name, *brief, *full;
} rule_text[RK_KIND_COUNT] = {
	[RK_LOCK_ORDER_INVERSION] = { "LockOrderInversion", "Locks acquired in inconsistent orders",
		"Threads acquire the same locks in orders that form a cycle: a potential deadlock, even if "
		"this run did not hang." },
	[RK_DOUBLE_LOCK] = { "DoubleLock", "A thread acquires a lock it already holds",
		"A thread waits on a lock it holds itself (non-recursive mutex, rwlock read to write upgrade, "
		"pthread_once re-entry): it would block forever." },
	[RK_BAD_UNLOCK] = { "BadUnlock", "Unlock of a lock the thread does not hold",
		"A thread unlocks a lock that another thread holds, or that is not locked at all." },
	[RK_DESTROY_LOCKED] = { "DestroyLocked", "A locked lock is destroyed",
		"A mutex or rwlock is destroyed while it is still locked." },
	[RK_DEADLOCK] = { "Deadlock", "Threads wait for each other",
		"Blocked threads form a wait-for cycle: a real deadlock, in this run." },
	[RK_HANG] = { "Hang", "A thread stays blocked too long",
		"With the watchdog on, a thread stayed blocked on a lock or wait past the limit." },
};

static const char *sarif_level(enum report_kind k)
{
	return k == RK_DEADLOCK || k == RK_DOUBLE_LOCK || k == RK_HANG ? "error" : "warning";
}

static int system_object(const char *object)
{
	static const char *const prefixes[] = { "libc.so", "libc-", "libpthread", "ld-linux", "ld64.so",
		"libstdc++", "libgcc_s", "libcoffman", NULL };
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(object, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* The frame to point at for a stack: the first user frame with a source file, else the first frame
 * with a file, else the first frame at all. */
struct pick {
	struct frame_info best;
	int rank;                       /* 0 none, 1 a frame, 2 a frame with a file, 3 a user frame */
};

static int pick_frame(const struct frame_info *f, void *arg)
{
	struct pick *p = arg;
	int rank = !f->file[0] ? 1 : system_object(f->object) ? 2 : 3;
	if (rank > p->rank) {
		p->best = *f;
		p->rank = rank;
	}
	return rank == 3;
}

static const struct frame_info *picked(const struct pick *p)
{
	return p->rank ? &p->best : NULL;
}

/* A file path as a URI reference: absolute paths become file:// URIs, relative ones stay relative;
 * anything outside the unreserved and path characters is percent-encoded. */
static void uri_of(char *dst, size_t cap, const char *path)
{
	static const char keep[] = "-._~/!$&'()*+,;=@";
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (path[0] == '/' && cap > 8) {
		memcpy(dst, "file://", 7);
		o = 7;
	}
	for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(keep, *p)) {
			dst[o++] = (char)*p;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 15];
		}
	}
	dst[o] = '\0';
}

/* A SARIF location object for frame f; id >= 0 adds the id, message (if any) a message. */
static void sarif_location(struct outbuf *ob, const struct frame_info *f, int id, const char *message)
{
	char uri[1600];
	ob_puts(ob, "{");
	if (id >= 0)
		ob_printf(ob, "\"id\":%d,", id);
	if (f->file[0]) {
		uri_of(uri, sizeof uri, f->file);
		ob_puts(ob, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
		json_string(ob, uri);
		ob_puts(ob, "}");
		if (f->line > 0)
			ob_printf(ob, ",\"region\":{\"startLine\":%d}", f->line);
		ob_puts(ob, "},");
	}
	ob_puts(ob, "\"logicalLocations\":[{\"name\":");
	json_string(ob, f->func[0] ? f->func : "??");
	ob_puts(ob, ",\"kind\":\"function\"}]");
	if (message) {
		ob_puts(ob, ",\"message\":{\"text\":");
		json_string(ob, message);
		ob_puts(ob, "}");
	}
	ob_puts(ob, "}");
}

static void lock_text(const struct report *r, int i, char *buf, size_t len)
{
	char name[160];
	if (i < 0 || i >= r->nlocks || i >= REPORT_MAX_LOCKS)
		snprintf(buf, len, "?");
	else if (symbolize_data(r->locks[i].addr, name, sizeof name))
		snprintf(buf, len, "L%d '%s'", i + 1, name);
	else
		snprintf(buf, len, "L%d", i + 1);
}

/* "T<num>", or "T?" for a thread index the report does not hold. */
static const char *thread_text(const struct report *r, int i, char *buf, size_t len)
{
	if (i >= 0 && i < r->nthreads && i < REPORT_MAX_THREADS)
		snprintf(buf, len, "T%d", r->threads[i].num);
	else
		snprintf(buf, len, "T?");
	return buf;
}

static void wait_text(const struct report *r, const struct report_wait *w, char *buf, size_t len)
{
	char lock[200], th[24];
	if (w->waits >= 0) {
		lock_text(r, w->waits, lock, sizeof lock);
		snprintf(buf, len, "%s blocked here waiting for %s (%.*s)", thread_text(r, w->thread, th, sizeof th), lock,
			 (int)sizeof w->what, w->what);
	} else {
		snprintf(buf, len, "%s blocked here in %.*s", thread_text(r, w->thread, th, sizeof th), (int)sizeof w->what,
			 w->what);
	}
}

struct related {
	struct outbuf *ob;
	int count;
};

/* Add the picked frame of a stack as a related location. */
static void add_related(struct related *rel, uint32_t stack, uintptr_t pc, const char *message)
{
	struct pick p;
	if (rel->count >= SARIF_MAX_RELATED)
		return;
	memset(&p, 0, sizeof p);
	report_walk_stack(stack, pc, pick_frame, &p);
	const struct frame_info *f = picked(&p);
	if (!f)
		return;
	if (rel->count)
		ob_puts(rel->ob, ",");
	sarif_location(rel->ob, f, rel->count + 1, message);
	rel->count++;
}

static void sarif_related(const struct report *r, struct outbuf *ob, int primary_is_wait)
{
	char from[200], to[200], msg[600], th[24];
	struct related rel = { ob, 0 };
	int nedges = r->nedges < REPORT_MAX_EDGES ? r->nedges : REPORT_MAX_EDGES;
	int nwaits = r->nwaits < REPORT_MAX_THREADS ? r->nwaits : REPORT_MAX_THREADS;
	int nstacks = r->nstacks < REPORT_MAX_STACKS ? r->nstacks : REPORT_MAX_STACKS;
	int nlocks = r->nlocks < REPORT_MAX_LOCKS ? r->nlocks : REPORT_MAX_LOCKS;
	ob_puts(ob, ",\"relatedLocations\":[");
	for (int i = 0; i < nedges; i++) {
		const struct report_edge *e = &r->edges[i];
		lock_text(r, e->from, from, sizeof from);
		lock_text(r, e->to, to, sizeof to);
		if (i > 0) {
			snprintf(msg, sizeof msg, "edge %d: %s acquires %s while holding %s", i + 1,
				 thread_text(r, e->thread, th, sizeof th), to, from);
			add_related(&rel, e->acquire_stack, 0, msg);
		}
		snprintf(msg, sizeof msg, "edge %d: %s acquired %s here (held while acquiring %s)", i + 1,
			 thread_text(r, e->thread, th, sizeof th), from, to);
		add_related(&rel, e->held_stack, e->held_pc, msg);
	}
	for (int i = primary_is_wait ? 1 : 0; i < nwaits; i++) {
		wait_text(r, &r->waits[i], msg, sizeof msg);
		add_related(&rel, r->waits[i].stack, 0, msg);
	}
	for (int i = (!nedges && !nwaits) ? 1 : 0; i < nstacks; i++) {
		snprintf(msg, sizeof msg, "%.*s", (int)sizeof r->stacks[i].label, r->stacks[i].label);
		add_related(&rel, r->stacks[i].stack, r->stacks[i].pc, msg);
	}
	for (int i = 0; i < nlocks; i++) {
		if (!r->locks[i].create_pc)
			continue;
		lock_text(r, i, from, sizeof from);
		snprintf(msg, sizeof msg, "%s (%s) %s here", from, r->locks[i].kind ? r->locks[i].kind : "lock",
			 r->locks[i].create_is_init ? "initialised" : "first used");
		add_related(&rel, 0, r->locks[i].create_pc, msg);
	}
	ob_puts(ob, "]");
}

void sarif_record(const struct report *r)
{
	if (!cfg.sarif || (unsigned)r->kind >= RK_KIND_COUNT)
		return;
	if (atomic_load(&nresults) >= SARIF_MAX_RESULTS) {
		atomic_fetch_add(&ndropped, 1);
		return;
	}
	char text[sizeof r->note + 1];
	struct outbuf ob;
	struct pick p;
	char where[600] = "", from[200], to[200], th[24];
	int primary_is_wait = 0;
	memset(&p, 0, sizeof p);
	if (r->nedges > 0) {
		const struct report_edge *e = &r->edges[0];
		report_walk_stack(e->acquire_stack, 0, pick_frame, &p);
		lock_text(r, e->from, from, sizeof from);
		lock_text(r, e->to, to, sizeof to);
		snprintf(where, sizeof where, "edge 1: %s acquires %s while holding %s",
			 thread_text(r, e->thread, th, sizeof th), to, from);
	} else if (r->nwaits > 0) {
		const struct report_wait *w = &r->waits[0];
		report_walk_stack(w->stack, 0, pick_frame, &p);
		wait_text(r, w, where, sizeof where);
		primary_is_wait = 1;
	} else if (r->nstacks > 0) {
		report_walk_stack(r->stacks[0].stack, r->stacks[0].pc, pick_frame, &p);
		snprintf(where, sizeof where, "%.*s", (int)sizeof r->stacks[0].label, r->stacks[0].label);
	}

	/* Nothing symbolizable there: point at the first stack of the report that has a frame. */
	if (!p.rank)
		where[0] = '\0';
	for (int i = 0; !p.rank && i < r->nedges && i < REPORT_MAX_EDGES; i++)
		report_walk_stack(r->edges[i].acquire_stack, 0, pick_frame, &p);
	for (int i = 0; !p.rank && i < r->nwaits && i < REPORT_MAX_THREADS; i++)
		report_walk_stack(r->waits[i].stack, 0, pick_frame, &p);
	for (int i = 0; !p.rank && i < r->nstacks && i < REPORT_MAX_STACKS; i++)
		report_walk_stack(r->stacks[i].stack, r->stacks[i].pc, pick_frame, &p);
	if (p.rank && !where[0])
		snprintf(where, sizeof where, "reported here");

	ob_init(&ob);
	ob_printf(&ob, "{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":",
		  report_kind_name(r->kind), (int)r->kind, sarif_level(r->kind));
	snprintf(text, sizeof text, "%.*s", (int)sizeof r->summary, r->summary);
	json_string(&ob, text);
	ob_puts(&ob, "},\"locations\":[");
	const struct frame_info *f = picked(&p);
	if (f)
		sarif_location(&ob, f, -1, where[0] ? where : NULL);
	ob_puts(&ob, "]");
	sarif_related(r, &ob, primary_is_wait);
	snprintf(text, sizeof text, "%.*s", (int)sizeof r->note, r->note);
	if (text[0]) {
		ob_puts(&ob, ",\"properties\":{\"note\":");
		json_string(&ob, text);
		ob_puts(&ob, "}");
	}
	ob_puts(&ob, "}");
	if (ob.failed || !ob.data) {
		ob_free(&ob);
		atomic_fetch_add(&ndropped, 1);
		return;
	}

	unsigned slot = atomic_fetch_add(&nresults, 1);
	if (slot >= SARIF_MAX_RESULTS) {
		ob_free(&ob);
		atomic_fetch_add(&ndropped, 1);
		return;
	}
	results[slot].pid = getpid();
	atomic_store(&results[slot].json, ob.data);        /* ownership moves to the table */
}

static void expand_pid(char *dst, size_t cap, const char *pattern, int *had_pid)
{
	size_t o = 0;
	*had_pid = 0;
	for (const char *s = pattern; *s && o + 1 < cap; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			int n = snprintf(dst + o, cap - o, "%d", (int)getpid());
			if (n < 0 || (size_t)n >= cap - o)
				break;
			o += (size_t)n;
			s++;
			*had_pid = 1;
		} else {
			dst[o++] = *s;
		}
	}
	dst[o] = '\0';
}

void sarif_write_at_exit(void)
{
	static atomic_int done;
	char path[4096], tmp[4200];
	int had_pid;
	if (!cfg.sarif || atomic_exchange(&done, 1))
		return;
	pid_t self = getpid();
	unsigned n = atomic_load(&nresults);
	if (n > SARIF_MAX_RESULTS)
		n = SARIF_MAX_RESULTS;
	unsigned mine = 0;
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&results[i].json) && results[i].pid == self)
			mine++;
	expand_pid(path, sizeof path, cfg.sarif, &had_pid);
	/* A forked child with nothing to say must not overwrite its parent's log in a shared file. */
	if (mine == 0 && !had_pid && load_pid && self != load_pid)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)self);

	FILE *f = fopen(tmp, "we");
	if (!f) {
		output_warn("COFFMAN_SARIF: cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	struct outbuf ob;
	ob_init(&ob);
	ob_puts(&ob, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
		     "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"coffman\"");
#ifdef PACKAGE_VERSION
	ob_puts(&ob, ",\"version\":\"" PACKAGE_VERSION "\"");
#endif
	ob_puts(&ob, ",\"rules\":[");
	for (int k = 0; k < RK_KIND_COUNT; k++) {
		ob_printf(&ob, "%s\n{\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":", k ? "," : "",
			  report_kind_name((enum report_kind)k), rule_text[k].name);
		json_string(&ob, rule_text[k].brief);
		ob_puts(&ob, "},\"fullDescription\":{\"text\":");
		json_string(&ob, rule_text[k].full);
		ob_printf(&ob, "},\"defaultConfiguration\":{\"level\":\"%s\"}}", sarif_level((enum report_kind)k));
	}
	ob_printf(&ob, "]}},\"invocations\":[{\"executionSuccessful\":true,\"properties\":{\"pid\":%d,"
		       "\"droppedResults\":%u}}],\"results\":[",
		  (int)self, atomic_load(&ndropped));
	if (ob.data)
		fputs(ob.data, f);
	ob_free(&ob);
	unsigned written = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *json = atomic_load(&results[i].json);
		if (!json || results[i].pid != self)
			continue;
		fputs(written++ ? ",\n" : "\n", f);
		fputs(json, f);
	}
	fputs("\n]}]}\n", f);
	int failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		output_warn("COFFMAN_SARIF: cannot write %s", tmp);
		unlink(tmp);
		return;
	}
	if (rename(tmp, path) != 0) {
		output_warn("COFFMAN_SARIF: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}
