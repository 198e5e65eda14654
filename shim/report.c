/* The way from a filled struct report to the reader: building it (report_init, report_add_*),
 * report_emit (dedup, instances of one finding, suppress, count, format, write, SARIF), the counts and
 * the exit summary, and the wait that lets a report another thread is writing finish before the process
 * ends (exit, _exit, a fatal report).  The frames a report shows are walked in report_frames.c. */
#include "report.h"
#include "config.h"
#include "debugger.h"
#include "graph_file.h"
#include "ilock.h"
#include "output.h"
#include "profile.h"
#include "stacks.h"
#include "symbolize.h"
#include "suppress.h"
#include "threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[RK_KIND_COUNT] = {
	"lock-order-inversion", "double-lock", "bad-unlock", "destroy-locked", "deadlock", "hang",
	"exit-holding", "cond-misuse", "use-after-destroy", "reinit-live",
	"starvation", "livelock",
};

#define SEEN_MAX 4096

static struct ilock emit_lock = ILOCK_INIT;
static uint64_t seen[SEEN_MAX];
static unsigned nseen;
static atomic_uint counts[RK_KIND_COUNT];
static atomic_uint suppressed[RK_KIND_COUNT];

static int report_emit_unsaved(struct report *r);

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < RK_KIND_COUNT ? kind_names[k] : "unknown";
}

void report_init(struct report *r, enum report_kind kind)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
}

int report_add_thread(struct report *r, int num, pid_t tid, uint32_t create_stack, int parent_num)
{
	for (int i = 0; i < r->nthreads; i++)
		if (r->threads[i].num == num)
			return i;
	if (r->nthreads == REPORT_MAX_THREADS)
		return REPORT_MAX_THREADS - 1;
	struct report_thread *t = &r->threads[r->nthreads];
	t->num = num;
	t->tid = tid;
	t->create_stack = create_stack;
	t->parent_num = parent_num;
	struct thread_rec tmp = { .tid = tid };
	if (tid > 0)
		thread_set_name_from_kernel(&tmp, t->name, sizeof t->name);
	return r->nthreads++;
}

int report_add_exited_thread(struct report *r, int num, pid_t tid, uint32_t create_stack, int parent_num)
{
	int i = report_add_thread(r, num, 0, create_stack, parent_num);
	struct report_thread *t = &r->threads[i];
	if (t->num == num && !t->tid) {
		t->tid = tid;
		t->exited = 1;
	}
	return i;
}

int report_add_lock(struct report *r, uintptr_t addr, const char *kind)
{
	for (int i = 0; i < r->nlocks; i++)
		if (r->locks[i].addr == addr)
			return i;
	if (r->nlocks == REPORT_MAX_LOCKS)
		return REPORT_MAX_LOCKS - 1;
	r->locks[r->nlocks].addr = addr;
	r->locks[r->nlocks].kind = kind;
	return r->nlocks++;
}

void report_add_stack(struct report *r, const char *label, uint32_t stack, uintptr_t pc)
{
	if (r->nstacks == REPORT_MAX_STACKS)
		return;
	struct report_stack *s = &r->stacks[r->nstacks++];
	snprintf(s->label, sizeof s->label, "%s", label);
	s->stack = stack;
	s->pc = pc;
}

/* Returns 1 the first time a signature is seen.  Signature 0 means "always report". */
static int first_sighting(uint64_t sig)
{
	if (sig == 0)
		return 1;
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == sig)
			return 0;
	if (nseen < SEEN_MAX)
		seen[nseen++] = sig;
	return 1;
}

/* ---------------------------------------------------------------- findings and their instances */

/* One bug in the code (report.h: `finding`), however many instances of it the run made.  Kept in a
 * growable array under emit_lock; an index stays valid while the array moves. */
struct finding {
	uint64_t key;
	enum report_kind kind;
	unsigned instances;             /* reports with this finding that were not exact duplicates */
	unsigned reported;              /* ... of which were printed */
	int suppressed;                 /* its first report was suppressed: so are the others */
	int sarif_slot;                 /* the SARIF result of its first report, -1 if none */
	char at[440];                   /* "function file:line" of its first report */
	char summary[sizeof ((struct report *)0)->summary];     /* its first report's summary */
};

#define FINDINGS_MAX 4096               /* beyond this, reports are no longer folded (never lost) */

static struct finding *findings;
static unsigned nfindings, findings_cap;

static int finding_lookup(uint64_t key)
{
	for (unsigned i = 0; i < nfindings; i++)
		if (findings[i].key == key)
			return (int)i;
	return -1;
}

static int finding_add(const struct report *r)
{
	if (nfindings == FINDINGS_MAX)
		return -1;
	if (nfindings == findings_cap) {
		unsigned cap = findings_cap ? findings_cap * 2 : 16;
		struct finding *p = realloc(findings, cap * sizeof *p);
		if (!p)
			return -1;
		findings = p;
		findings_cap = cap;
	}
	struct finding *f = &findings[nfindings];
	memset(f, 0, sizeof *f);
	f->key = r->finding;
	f->kind = r->kind;
	f->instances = 1;
	f->sarif_slot = -1;
	memcpy(f->summary, r->summary, sizeof f->summary);
	f->summary[sizeof f->summary - 1] = '\0';
	return (int)nfindings++;
}

/* Under emit_lock: a further instance of a finding already made.  Returns 1 if the report is to be
 * dropped (folded into its finding), 0 to go on (its first instance, or every instance is wanted). */
static int fold_instance(const struct report *r, int *index)
{
	*index = -1;
	if (!r->finding)
		return 0;
	int i = finding_lookup(r->finding);
	if (i < 0) {
		*index = finding_add(r);
		return 0;
	}
	findings[i].instances++;
	if (!cfg.all_instances)
		sarif_set_occurrences(findings[i].sarif_slot, findings[i].instances);
	else if (!findings[i].suppressed) {
		*index = i;
		return 0;
	}
	return 1;
}

/* The frames finding_site may name, in order of preference: the first of the program's own code (with
 * a source file outside /usr), else the first with a function name among the innermost few (an
 * exported function of a stripped library; further out it would be a caller as far away as
 * g_test_run_suite), else the innermost.  A program and libraries from distribution packages have no
 * debug info, so the first rule alone found nothing there and every instance line of D-Bus's test
 * suite said "at ?". */
#define SITE_NAMED_DEPTH 4
struct site_pick {
	struct frame_info program, named, any;
	int have_named, nframes;
};

static int pick_site_frame(const struct frame_info *f, void *arg)
{
	struct site_pick *p = arg;
	if (report_first_program_frame(f, &p->program))
		return 1;
	if (p->nframes++ == 0)
		p->any = *f;
	if (!p->have_named && f->func[0] && p->nframes <= SITE_NAMED_DEPTH) {
		p->named = *f;
		p->have_named = 1;
	}
	return 0;
}

/* Where a finding is, in one line, as the text report prints that frame: the frame chosen above in its
 * first edge's acquisition (or its first stack).  In coffman's memory, not on the stack (three frames
 * are over 3 KB; see report_walk_stack).  Symbolizes: the guard is set. */
static void finding_site(const struct report *r, char *buf, size_t len)
{
	struct site_pick *p = calloc(1, sizeof *p);
	int found = 0;
	snprintf(buf, len, "?");
	if (!p)
		return;
	if (r->nedges > 0)
		found = report_walk_stack(r->edges[0].acquire_stack, 0, pick_site_frame, p);
	else if (r->nwaits > 0)
		found = report_walk_stack(r->waits[0].stack, 0, pick_site_frame, p);
	else if (r->nstacks > 0)
		found = report_walk_stack(r->stacks[0].stack, r->stacks[0].pc, pick_site_frame, p);
	if (found)
		report_frame_site(&p->program, buf, len);
	else if (p->have_named)
		report_frame_site(&p->named, buf, len);
	else if (p->nframes > 0)
		report_frame_site(&p->any, buf, len);
	free(p);
}

/* The finding of a report just printed (or suppressed) learns where it is and its SARIF result. */
static void finding_note_first(int index, const struct report *r, int suppressed, int sarif_slot)
{
	char at[sizeof findings->at];
	if (index < 0)
		return;
	if (!suppressed)
		finding_site(r, at, sizeof at);
	ilock_acquire(&emit_lock);
	struct finding *f = &findings[index];
	if (suppressed) {
		f->suppressed = 1;
	} else {
		if (f->reported++ == 0) {
			snprintf(f->at, sizeof f->at, "%s", at);
			f->sarif_slot = sarif_slot;
		}
		if (!cfg.all_instances)
			sarif_set_occurrences(f->sarif_slot, f->instances);
	}
	ilock_release(&emit_lock);
}

/* Reports being formatted right now: the exit path waits for them, so a report counted by another
 * thread (the watchdog, say) is never cut off by the program's exit. */
static atomic_int in_flight;

int report_emit(struct report *r)
{
	int saved_errno = errno;        /* symbolizing opens files: the program's errno must survive */
	int cancel_state;
	/* open, write and the like are cancellation points: a pending cancel acted on in here would
	 * unwind through coffman with its locks held and stop every later report. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	atomic_fetch_add(&in_flight, 1);
	int shown = report_emit_unsaved(r);
	atomic_fetch_sub(&in_flight, 1);
	pthread_setcancelstate(cancel_state, NULL);
	errno = saved_errno;
	return shown;
}

/* Bounded: a report stuck for seconds must not turn the program's exit into a hang. */
void report_wait_in_flight(void)
{
	for (int i = 0; i < 500 && atomic_load(&in_flight) > 0; i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
}

static int report_emit_unsaved(struct report *r)
{
	int finding = -1;
	ilock_acquire(&emit_lock);
	int fresh = first_sighting(r->signature);
	int folded = fresh && fold_instance(r, &finding);
	ilock_release(&emit_lock);
	if (!fresh || folded)
		return 0;
	if (suppress_matches(r)) {
		atomic_fetch_add(&suppressed[r->kind], 1);
		finding_note_first(finding, r, 1, -1);
		return 0;
	}
	atomic_fetch_add(&counts[r->kind], 1);
	finding_note_first(finding, r, 0, sarif_record(r));

	struct outbuf ob;
	ob_init(&ob);
	if (cfg.format == FMT_JSON)
		report_format_json(r, &ob);
	else
		report_format_text(r, &ob);
	/* Serialise writes so two reports never interleave, even across the log file's reopen. */
	ilock_acquire(&emit_lock);
	output_write(&ob);
	ilock_release(&emit_lock);
	ob_free(&ob);
	sarif_update();         /* the finding is in the SARIF file before the program can crash */
	debugger_after_report(0);
	return 1;
}

unsigned report_count(enum report_kind k)
{
	return atomic_load(&counts[k]);
}

unsigned report_total(void)
{
	unsigned n = 0;
	for (int k = 0; k < RK_KIND_COUNT; k++)
		n += atomic_load(&counts[k]);
	return n;
}

unsigned report_suppressed_total(void)
{
	unsigned n = 0;
	for (int k = 0; k < RK_KIND_COUNT; k++)
		n += atomic_load(&suppressed[k]);
	return n;
}

static atomic_int termination_claimed;

int report_claim_termination(void)
{
	return atomic_exchange(&termination_claimed, 1) == 0;
}

void report_release_termination(void)
{
	atomic_store(&termination_claimed, 0);
}

void report_terminate(int flush_stdio)
{
	debugger_after_report(1);
	report_at_exit();
	graph_file_write("fatal-report");
	if (flush_stdio)
		fflush(NULL);
	_exit(cfg.exitcode ? cfg.exitcode : 66);
}

/* The findings seen in more than one instance, in the summary: text lines, or a JSON array. */
static void write_instances(struct outbuf *ob)
{
	int first = 1;
	ilock_acquire(&emit_lock);
	for (unsigned i = 0; i < nfindings; i++) {
		const struct finding *f = &findings[i];
		if (f->instances < 2 || f->suppressed || f->reported == 0)
			continue;
		if (cfg.format == FMT_JSON) {
			ob_puts(ob, first ? "" : ",");
			ob_printf(ob, "{\"kind\":\"%s\",\"at\":", kind_names[f->kind]);
			ob_json_string(ob, f->at);
			ob_puts(ob, ",\"summary\":");
			ob_json_string(ob, f->summary);
			ob_printf(ob, ",\"count\":%u,\"reported\":%u}", f->instances, f->reported);
		} else if (f->reported == f->instances) {
			ob_line(ob, "coffman: summary: %s at %s: %u instances, each reported (%s)", kind_names[f->kind],
				f->at, f->instances, f->summary);
		} else {
			ob_line(ob, "coffman: summary: %s at %s: %u instances, %u reported (%s); --all-instances "
				"reports each", kind_names[f->kind], f->at, f->instances, f->reported, f->summary);
		}
		first = 0;
	}
	ilock_release(&emit_lock);
}

/* One line in the log's own format: text, or in a JSON log an object like every other line there:
 * {"coffman":1,"pid":N,"kind":"summary","counts":{"lock-order-inversion":1,...},"suppressed":0,
 *  "instances":[{"kind":"lock-order-inversion","at":"f file:line","summary":"...","count":63,
 *  "reported":1}],"reports_in":"..."}, "instances" only when some finding had more than one.
 * Text: the counts line, then one line per finding seen in more than one instance. */
static void write_summary(void)
{
	struct outbuf ob;
	ob_init(&ob);
	if (cfg.format == FMT_JSON) {
		ob_printf(&ob, "{\"coffman\":1,\"pid\":%d,\"kind\":\"summary\",\"counts\":{", (int)getpid());
		for (int k = 0; k < RK_KIND_COUNT; k++)
			ob_printf(&ob, "%s\"%s\":%u", k ? "," : "", kind_names[k], report_count((enum report_kind)k));
		ob_printf(&ob, "},\"suppressed\":%u,", report_suppressed_total());
		struct outbuf inst;
		ob_init(&inst);
		write_instances(&inst);
		if (inst.data && inst.len) {
			ob_puts(&ob, "\"instances\":[");
			ob_puts(&ob, inst.data);
			ob_puts(&ob, "],");
		}
		ob_free(&inst);
		ob_puts(&ob, "\"reports_in\":");
		ob_json_string(&ob, output_destination());
		ob_puts(&ob, "}\n");
	} else {
		struct outbuf counts;
		ob_init(&counts);
		for (int k = 0; k < RK_KIND_COUNT; k++)
			ob_printf(&counts, " %s %u%s", kind_names[k], report_count((enum report_kind)k),
				  k + 1 < RK_KIND_COUNT ? "," : "");
		ob_line(&ob, "coffman: summary:%s; suppressed %u; reports in %s", counts.data ? counts.data : "",
			report_suppressed_total(), output_destination());
		ob_free(&counts);
		write_instances(&ob);
	}
	output_write(&ob);
	ob_free(&ob);
}

static void end_of_run(int with_profile)
{
	static atomic_int done;
	if (atomic_exchange(&done, 1))
		return;
	report_wait_in_flight();
	sarif_write_at_exit();  /* also for a clean run: CI expects the file */
	if (with_profile)
		profile_at_exit();      /* when on, a clean run prints its table too */
	if (report_total() == 0 && report_suppressed_total() == 0)
		return;                 /* a clean run prints nothing at all */
	write_summary();
}

void report_at_exit(void)
{
	end_of_run(1);
}

/* At _exit: no profile.  Writing it symbolizes every lock's creation site and stacks (seconds in a
 * large program) while the program's other threads run on, which _exit was called to end at once.
 * Tried on Firefox, whose processes end with _exit: every --profile run crashed (a profile-writing bug
 * with thousands of code locations, since fixed: tests/profile_sites.sh), and with that fixed one run
 * in seven still hung at exit, unexplained.  A profile is not worth that risk to the program. */
void report_at_quick_exit(void)
{
	end_of_run(0);
}

/* In the one order they nest: the report writer's lock, the SARIF file's, the output's. */
void report_lock_for_fork(void)
{
	ilock_acquire(&emit_lock);
	sarif_lock_for_fork();
	output_lock_for_fork();
}

void report_unlock_after_fork(void)
{
	output_unlock_after_fork();
	sarif_unlock_after_fork();
	ilock_release(&emit_lock);
}

/* A forked child is a process run of its own: its summary and its exit status count only the reports
 * it makes (a child of a parent that had reported exited 66 having reported nothing: smbd's connection
 * children).  What the parent reported stays known, so the child does not print it again: an exact
 * repeat is still a duplicate, another instance of a parent's finding is folded into it. */
void report_after_fork_child(void)
{
	sarif_after_fork_child();
	ilock_reset(&emit_lock);
	for (int k = 0; k < RK_KIND_COUNT; k++) {
		atomic_store(&counts[k], 0);
		atomic_store(&suppressed[k], 0);
	}
	for (unsigned i = 0; i < nfindings; i++)
		findings[i].instances = findings[i].reported = 0;
}
