/* The SARIF 2.1.0 log (COFFMAN_SARIF): one rule per report kind, one result per emitted report.
 *
 * Each emitted report is turned into a SARIF result right away (symbolized while the report exists) and
 * kept as JSON text; at most SARIF_MAX_RESULTS are kept.  Where the document goes depends on what PATH
 * is (%p = pid):
 * - absent, or a regular file: the whole document is written to a fresh temporary file next to it
 *   (created O_EXCL|O_NOFOLLOW under an unpredictable name, so a planted file or link is never written
 *   through) and renamed over PATH — after every finding, so the findings survive a later crash or
 *   _exit, and once more at exit (also for a clean run: CI expects the file).  Readers never see half a
 *   document.
 * - a device, a FIFO, a socket (/dev/null, a named pipe): written straight into it, once, at exit;
 *   never replaced, never truncated, opened without blocking.
 * - one of the process's descriptors (/dev/stdout, /dev/fd/N): written, once, at exit, into that very
 *   open file (sharing its offset, so it follows the program's output instead of overwriting it).
 * - a symbolic link: followed only if it belongs to the caller or to root (see output.h).  A link to a
 *   device is written through as above; a link to a regular file elsewhere has that file replaced
 *   (the link stays).
 * Writes go through output_write_fd (no SIGPIPE) and never through stdio: a finding's rewrite runs
 * inside the wrapper that detected it.
 * A finding seen in several instances (report.h) is one result with SARIF's "occurrenceCount"; further
 * instances do not rewrite the file, so the count is final in the document written at exit.
 */
#include "report.h"
#include "config.h"
#include "ilock.h"
#include "output.h"
#include "symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- results */

#define SARIF_MAX_RESULTS 1000
#define SARIF_MAX_RELATED 64

struct sarif_result {
	char *_Atomic json;             /* the result object; NULL until complete */
	pid_t pid;                      /* the process that made it (a forked child inherits the rest) */
	atomic_uint occurrences;        /* instances of its finding, when more than one */
};

static struct sarif_result results[SARIF_MAX_RESULTS];
static atomic_uint nresults;            /* slots handed out (may exceed the limit: then dropped) */
static atomic_uint ndropped;
static atomic_uint recorded;            /* results completed so far (any process) */
static pid_t load_pid;

__attribute__((constructor)) static void sarif_note_pid(void)
{
	load_pid = getpid();
}

static const struct {
	const char *name, *brief, *full;
} rule_text[RK_KIND_COUNT] = {
	[RK_LOCK_ORDER_INVERSION] = { "LockOrderInversion", "Locks acquired in inconsistent orders",
		"Locks are acquired in orders that form a cycle (by one thread or several): a potential "
		"deadlock, even if this run did not hang." },
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
	[RK_EXIT_HOLDING] = { "ExitHolding", "A thread ends holding a lock",
		"A thread returns, calls pthread_exit or is cancelled while it holds a lock that is not robust: "
		"the next thread to lock it waits forever." },
	[RK_COND_MISUSE] = { "CondMisuse", "A condition variable is misused",
		"A condition wait with a mutex the caller does not hold (or with something that is not a mutex), "
		"two mutexes used with one condition variable at once, or a condition variable destroyed while "
		"threads wait on it." },
	[RK_USE_AFTER_DESTROY] = { "UseAfterDestroy", "A lock or condition variable is used after destroy",
		"A lock, unlock, wait or destroy on a lock or condition variable that was destroyed, or on "
		"memory that was never initialised as one." },
	[RK_REINIT_LIVE] = { "ReinitLive", "A live lock or condition variable is initialised again",
		"An init call on a lock or condition variable that is initialised and not destroyed; worse when "
		"it is locked or waited on." },
	[RK_STARVATION] = { "Starvation", "A thread starves for a lock others keep taking",
		"A thread waited long for a lock while other threads acquired it many times in between: the "
		"lock is barged, and the waiting thread makes no progress." },
	[RK_LIVELOCK] = { "Livelock", "Threads keep failing trylock and backing off",
		"Threads hold a lock, fail to trylock another, back off and retry, over and over: each keeps "
		"the other from progressing, and none does." },
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

/* A SARIF location object for frame f; id >= 0 adds the id, message (if any) a message.
 * With a source file: that file and line.  Without one: the object file and the address in it (an
 * "address" whose relativeAddress is the offset addr2line -e takes), named "libx.so+0xN" — what is
 * known, to be resolved later. */
static void sarif_location(struct outbuf *ob, const struct frame_info *f, int id, const char *message)
{
	char uri[1600], text[600];
	ob_puts(ob, "{");
	if (id >= 0)
		ob_printf(ob, "\"id\":%d,", id);
	if (f->file[0]) {
		uri_of(uri, sizeof uri, f->file);
		ob_puts(ob, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
		ob_json_string(ob, uri);
		ob_puts(ob, "}");
		if (f->line > 0)
			ob_printf(ob, ",\"region\":{\"startLine\":%d}", f->line);
		ob_puts(ob, "},");
	} else if (f->object[0] && f->has_offset) {
		ob_puts(ob, "\"physicalLocation\":{");
		if (f->object_path[0]) {
			uri_of(uri, sizeof uri, f->object_path);
			ob_puts(ob, "\"artifactLocation\":{\"uri\":");
			ob_json_string(ob, uri);
			ob_puts(ob, "},");
		}
		report_frame_object(f, text, sizeof text);
		ob_printf(ob, "\"address\":{\"kind\":\"instruction\",\"relativeAddress\":%lu,\"fullyQualifiedName\":",
			  (unsigned long)f->offset);
		ob_json_string(ob, text);
		if (f->func[0]) {
			report_frame_function(f, text, sizeof text);        /* "symbol+0xN" */
			ob_puts(ob, ",\"name\":");
			ob_json_string(ob, text);
		}
		ob_puts(ob, "}},");
	}
	ob_puts(ob, "\"logicalLocations\":[{\"name\":");
	ob_json_string(ob, f->func[0] ? f->func : "??");
	ob_puts(ob, ",\"kind\":\"function\"}]");
	if (message) {
		ob_puts(ob, ",\"message\":{\"text\":");
		ob_json_string(ob, message);
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
		struct frame_info caller;
		if (report_lock_init_caller(&r->locks[i], &caller)) {
			snprintf(msg, sizeof msg, "%s (%s) initialised through this call", from,
				 r->locks[i].kind ? r->locks[i].kind : "lock");
			add_related(&rel, 0, caller.pc, msg);
		}
	}
	ob_puts(ob, "]");
}

int sarif_record(const struct report *r)
{
	if (!cfg.sarif || (unsigned)r->kind >= RK_KIND_COUNT)
		return -1;
	if (atomic_load(&nresults) >= SARIF_MAX_RESULTS) {
		atomic_fetch_add(&ndropped, 1);
		return -1;
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
	ob_json_string(&ob, text);
	ob_puts(&ob, "},\"locations\":[");
	const struct frame_info *f = picked(&p);
	if (f)
		sarif_location(&ob, f, -1, where[0] ? where : NULL);
	ob_puts(&ob, "]");
	sarif_related(r, &ob, primary_is_wait);
	snprintf(text, sizeof text, "%.*s", (int)sizeof r->note, r->note);
	if (text[0]) {
		ob_puts(&ob, ",\"properties\":{\"note\":");
		ob_json_string(&ob, text);
		ob_puts(&ob, "}");
	}
	ob_puts(&ob, "}");
	if (ob.failed || !ob.data) {
		ob_free(&ob);
		atomic_fetch_add(&ndropped, 1);
		return -1;
	}

	unsigned slot = atomic_fetch_add(&nresults, 1);
	if (slot >= SARIF_MAX_RESULTS) {
		ob_free(&ob);
		atomic_fetch_add(&ndropped, 1);
		return -1;
	}
	results[slot].pid = getpid();
	atomic_store(&results[slot].occurrences, 0);
	atomic_store(&results[slot].json, ob.data);        /* ownership moves to the table */
	atomic_fetch_add(&recorded, 1);
	return (int)slot;
}

void sarif_set_occurrences(int slot, unsigned count)
{
	if (slot >= 0 && slot < SARIF_MAX_RESULTS)
		atomic_store(&results[slot].occurrences, count);
}

/* ---------------------------------------------------------------- the document */

/* Serialises the file writes (a finding's rewrite against another's, or against the one at exit). */
static struct ilock sarif_lock = ILOCK_INIT;
static unsigned written;                /* ... of which the file already holds (under sarif_lock) */
static int warned;

static void sarif_warn(const char *why)
{
	if (warned++)
		return;         /* once per process: every later finding would say the same */
	output_warn("COFFMAN_SARIF: cannot write %s", why);
}

/* The results of this process (a forked child inherits its parent's table and writes only its own). */
static unsigned own_results(pid_t self, unsigned *n)
{
	unsigned mine = 0;
	*n = atomic_load(&nresults);
	if (*n > SARIF_MAX_RESULTS)
		*n = SARIF_MAX_RESULTS;
	for (unsigned i = 0; i < *n; i++)
		if (atomic_load(&results[i].json) && results[i].pid == self)
			mine++;
	return mine;
}

/* One result object; a finding seen more than once gets SARIF's occurrenceCount, added before the
 * object's closing brace (the count grows after the result was made). */
static int write_result(int fd, const char *json, unsigned occurrences)
{
	size_t len = strlen(json);
	char tail[48];
	if (occurrences < 2 || len == 0 || json[len - 1] != '}')
		return output_write_fd(fd, json, len);
	int err = output_write_fd(fd, json, len - 1);
	snprintf(tail, sizeof tail, ",\"occurrenceCount\":%u}", occurrences);
	return err ? err : output_write_fd(fd, tail, strlen(tail));
}

/* Write the whole document to fd; 0 or an errno. */
static int write_document(int fd, int complete)
{
	pid_t self = getpid();
	unsigned n;
	own_results(self, &n);
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
		ob_json_string(&ob, rule_text[k].brief);
		ob_puts(&ob, "},\"fullDescription\":{\"text\":");
		ob_json_string(&ob, rule_text[k].full);
		ob_printf(&ob, "},\"defaultConfiguration\":{\"level\":\"%s\"}}", sarif_level((enum report_kind)k));
	}
	/* "complete": false while the process runs (the document is rewritten after each finding); a
	 * file left with false is from a process that crashed or called _exit. */
	ob_printf(&ob, "]}},\"invocations\":[{\"executionSuccessful\":true,\"properties\":{\"pid\":%d,"
		       "\"droppedResults\":%u,\"complete\":%s}}],\"results\":[",
		  (int)self, atomic_load(&ndropped), complete ? "true" : "false");
	if (ob.failed) {
		ob_free(&ob);
		return ENOMEM;
	}
	int err = output_write_fd(fd, ob.data, ob.len);
	ob_free(&ob);
	unsigned count = 0;
	for (unsigned i = 0; i < n && !err; i++) {
		const char *json = atomic_load(&results[i].json);
		if (!json || results[i].pid != self)
			continue;
		const char *sep = count++ ? ",\n" : "\n";
		err = output_write_fd(fd, sep, strlen(sep));
		if (!err)
			err = write_result(fd, json, atomic_load(&results[i].occurrences));
	}
	if (!err)
		err = output_write_fd(fd, "\n]}]}\n", 6);
	return err;
}

static int write_document_cb(int fd, void *complete)
{
	return write_document(fd, *(int *)complete);
}

/* Write the document for this process where it belongs; at_exit: the final one. */
static void sarif_write(int at_exit)
{
	char path[PATH_MAX], why[PATH_MAX + 160];
	int had_pid;
	pid_t self = getpid();
	unsigned n, mine = own_results(self, &n);
	output_expand_pid(path, sizeof path, cfg.sarif, &had_pid);
	/* A forked child with nothing to say must not overwrite its parent's log in a shared file. */
	if (mine == 0 && !had_pid && load_pid && self != load_pid)
		return;
	if (output_write_document(path, at_exit, write_document_cb, &at_exit, why, sizeof why) != 0)
		sarif_warn(why);
}

void sarif_update(void)
{
	if (!cfg.sarif)
		return;
	ilock_acquire(&sarif_lock);
	unsigned now = atomic_load(&recorded);
	if (now != written) {
		written = now;
		sarif_write(0);
	}
	ilock_release(&sarif_lock);
}

void sarif_write_at_exit(void)
{
	static atomic_int done;
	int cancel_state;       /* a thread ending the process may have a cancel pending */
	if (!cfg.sarif || atomic_exchange(&done, 1))
		return;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	ilock_acquire(&sarif_lock);
	sarif_write(1);
	ilock_release(&sarif_lock);
	pthread_setcancelstate(cancel_state, NULL);
}

void sarif_lock_for_fork(void) { ilock_acquire(&sarif_lock); }
void sarif_unlock_after_fork(void) { ilock_release(&sarif_lock); }

void sarif_after_fork_child(void)
{
	ilock_reset(&sarif_lock);
	warned = 0;
}
