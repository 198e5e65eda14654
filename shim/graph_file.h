/* graph_file: this process's lock-order graph, by lock class, written to COFFMAN_GRAPH_DIR for
 * merging across processes (coffman-graph; the format is documented in README.md, "One graph across
 * a test suite").
 *
 * What is kept: every lock-order edge this process creates is noted (from order.c, under its graph
 * lock) as an edge between two *raw classes* — a static lock by its address (it lies in a loaded
 * object), any other lock by its creation site (the *_init call, or the first use's stack).  Only
 * the first note of each raw edge keeps its stacks; later ones count.  Raw classes are turned into
 * identities that mean the same in every process (object + symbol, function + file:line) only when the
 * file is written, so the slow path never symbolizes.  Instances keep their own nodes in order.c:
 * nothing here changes what this process reports.
 *
 * When it is written: at exit (library destructor), before an exec, when a fatal report ends the
 * process, and from a fatal signal's handler (SIGTERM, SIGSEGV, ...: installed only where the
 * disposition was the default, which is restored before the signal is raised again), unless the
 * signal landed inside coffman's own bookkeeping.  A process that made no edge writes nothing.
 *
 * How: DIR/PROGRAM.HOST.PID.START.graph.jsonl, written as a temporary file created O_EXCL|O_NOFOLLOW
 * in DIR (never following or replacing a planted name), then renamed into place: a reader sees the
 * whole file or none of it.  Plain system calls only (no stdio): it runs in exit paths and handlers.
 *
 * Locking: notes come under order.c's graph lock; the tables have their own internal lock, taken
 * after it (graph -> graph file -> stack store -> symbolizer).  A write takes only the latter.
 */
#ifndef COFFMAN_GRAPH_FILE_H
#define COFFMAN_GRAPH_FILE_H

#include <stdint.h>

/* 1 when COFFMAN_GRAPH_DIR is set and usable: the only thing order.c tests before a note. */
extern int graph_file_on;

/* A lock as order.c knows it: address, kind, and its creation site. */
struct graph_lock_note {
	uintptr_t addr;
	int kind;                       /* enum lock_kind */
	uintptr_t site_pc;              /* the *_init call, or the first use */
	uint32_t site_stack;            /* the first use's stack, when known */
	int site_is_init;
};

/* An edge: `to` acquired while holding `from`. */
struct graph_edge_note {
	struct graph_lock_note from, to;
	uint32_t acquire_stack;         /* acquisition of `to` */
	uint32_t held_stack;            /* acquisition of `from`, when recorded */
	uintptr_t held_pc;
	int thread_num;
};

void graph_file_init(void);
void graph_file_after_fork_child(void);

/* Under order.c's graph lock. */
void graph_file_note_edge(const struct graph_edge_note *e);
/* A cycle this process reported live (its edges, in order). */
void graph_file_note_live_cycle(const struct graph_edge_note *edges, int n);

/* dlclose: static locks are recognised by the loaded objects' ranges (the table is refreshed when the
 * loader's counters move).  Before a dlclose, identities of what may go away are resolved while it
 * can still be named; after it, raw classes in the unloaded range [lo, hi) are retired (a new object
 * mapped there has new locks). */
void graph_file_before_dlclose(void);
void graph_file_forget_range(uintptr_t lo, uintptr_t hi);

/* Write the file now (reason: "exit", "exec", "fatal-report", "signal SIGTERM", ...).  Returns 0, or
 * -1 when nothing was written (off, no edge, a vfork child, an error: one warning line). */
int graph_file_write(const char *reason);

/* The fatal signals' handler stands in for their default disposition (above): for the interposed
 * sigaction and signal (wrap_signal.c), whether it does for sig, the action that installs it, and
 * whether an action is it. */
struct sigaction;
int graph_file_signal_takes(int sig);
void graph_file_signal_action(struct sigaction *sa);
int graph_file_signal_is_own(const struct sigaction *sa);

#endif
