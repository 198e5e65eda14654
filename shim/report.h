/* report: the plain struct every detector fills and every writer reads.
 *
 * Detectors (order.c, events.c, deadlock.c, watchdog.c) copy what a report needs into a struct report
 * and call report_emit(); writers (report_text.c, report_json.c, report_sarif.c) format it and never
 * touch the graph or the thread registry.  report_emit() drops duplicates (the same defect once per run), applies
 * suppressions, counts, writes, and records that the exit status must change.
 *
 * Two identities: `signature` is the defect itself (the same cycle of the same locks seen again is not
 * reported again); `finding` is the bug in the code behind it (the same acquisition sites, made over
 * other objects' locks).  A report whose finding was reported before is a further instance of it: it
 * is counted, not printed (unless COFFMAN_ALL_INSTANCES=1), and the exit summary, the JSON summary and
 * the SARIF result give the number of instances.
 */
#ifndef COFFMAN_REPORT_H
#define COFFMAN_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"

enum report_kind {
	RK_LOCK_ORDER_INVERSION = 0,
	RK_DOUBLE_LOCK,
	RK_BAD_UNLOCK,
	RK_DESTROY_LOCKED,
	RK_DEADLOCK,
	RK_HANG,
	RK_EXIT_HOLDING,
	RK_COND_MISUSE,
	RK_USE_AFTER_DESTROY,
	RK_REINIT_LIVE,
	RK_STARVATION,
	RK_LIVELOCK,
	RK_KIND_COUNT
};

#define REPORT_MAX_THREADS 64
#define REPORT_MAX_LOCKS 64
#define REPORT_MAX_EDGES 64
#define REPORT_MAX_STACKS 8

struct report_thread {
	int num;
	pid_t tid;
	char name[16];
	uint32_t create_stack;
	int parent_num;
	int exited;                     /* gone before the report: tid and name are its last known */
};

struct report_lock {
	uintptr_t addr;
	const char *kind;               /* "mutex", "rwlock", ... */
	uintptr_t create_pc;            /* where it was initialised, or first used */
	uint32_t create_stack;          /* the first use's whole stack, when known; for an init in a
					 * library, its site and caller (init_sites.h) */
	int create_is_init;             /* 1: pthread_mutex_init; 0: first use (static initialiser) */
	int is_class;                   /* COFFMAN_CLASSES=site: every lock created at create_pc (the
					 * cycle orders classes: its edges may be on different instances) */
	uintptr_t instances[4];         /* for a class: the instances seen in this report */
	int ninstances;
};

/* An edge of a lock-order cycle: thread `thread` acquired `to` while holding `from`. */
struct report_edge {
	int from, to;                   /* indices into locks[] */
	int thread;                     /* index into threads[] */
	uint32_t acquire_stack;         /* stack of the acquisition of `to` */
	uintptr_t held_pc;              /* where `from` had been acquired */
	uint32_t held_stack;            /* its full stack, if known */
	uintptr_t from_instance;        /* for a lock class (is_class): the instance this edge held, */
	uintptr_t to_instance;          /* and the one it acquired; 0 otherwise */
};

/* A blocked thread in a deadlock or hang: waits on `waits` (lock index, -1 none), holds `holds[]`. */
struct report_wait {
	int thread;
	int waits;                      /* lock index, or -1 */
	char what[48];                  /* "mutex", "condition wait", "pthread_join of T3", "pthread_once" */
	uintptr_t wait_obj;             /* condition variable / once control address when not a lock */
	int holds[8];
	int nholds;
	uint32_t stack;                 /* its stack at the blocking call */
	double seconds;                 /* blocked for */
};

/* An extra labelled stack (e.g. "first acquired here", "holder's current stack"). */
struct report_stack {
	char label[96];
	uint32_t stack;
	uintptr_t pc;                   /* single frame, when no stack */
};

struct report {
	enum report_kind kind;
	char summary[256];              /* the rest of the header line */
	char note[512];                 /* an extra explanation line, optional */
	struct report_thread threads[REPORT_MAX_THREADS];
	int nthreads;
	struct report_lock locks[REPORT_MAX_LOCKS];
	int nlocks;
	struct report_edge edges[REPORT_MAX_EDGES];
	int nedges;
	struct report_wait waits[REPORT_MAX_THREADS];
	int nwaits;
	struct report_stack stacks[REPORT_MAX_STACKS];
	int nstacks;
	uint64_t signature;             /* same signature = same defect: reported once */
	uint64_t finding;               /* same finding = same bug, another instance: counted (0: none) */
};

const char *report_kind_name(enum report_kind k);

/* Builders used by the detectors. */
void report_init(struct report *r, enum report_kind kind);
int report_add_thread(struct report *r, int num, pid_t tid, uint32_t create_stack, int parent_num);
/* A thread that has exited: its kernel name is not read (the tid may be another thread's by now). */
int report_add_exited_thread(struct report *r, int num, pid_t tid, uint32_t create_stack, int parent_num);
int report_add_lock(struct report *r, uintptr_t addr, const char *kind);
void report_add_stack(struct report *r, const char *label, uint32_t stack, uintptr_t pc);

/* Emit: dedup, suppress, count, write.  Returns 1 if written, 0 if dropped.
 * Call with the re-entry guard set and no coffman lock held except as documented by the caller. */
int report_emit(struct report *r);

/* Writers: append the report to ob. */
void report_format_text(const struct report *r, struct outbuf *ob);
void report_format_json(const struct report *r, struct outbuf *ob);

/* SARIF (report_sarif.c): turn an emitted report into a result (returns its slot, -1 if none);
 * sarif_update() then rewrites the file (call it with no other coffman lock held); sarif_write_at_exit()
 * writes the final document.  sarif_set_occurrences() gives a result the number of instances of its
 * finding (its occurrenceCount; the document written at exit has the final number). */
int sarif_record(const struct report *r);
void sarif_set_occurrences(int slot, unsigned count);
void sarif_update(void);
void sarif_write_at_exit(void);
void sarif_lock_for_fork(void);
void sarif_unlock_after_fork(void);
void sarif_after_fork_child(void);

/* Counts, for the exit status and the summary line. */
unsigned report_count(enum report_kind k);
unsigned report_total(void);
unsigned report_suppressed_total(void);

/* Claim the right to end the process: 1 for the first caller only, so that when several threads
 * detect the same deadlock, one reports and the others wait for the exit. */
int report_claim_termination(void);
/* The claimed fatal report was suppressed: the program goes on as it would without the checker. */
void report_release_termination(void);

/* End the process after a fatal report (double-lock, deadlock, hang): flush, then exit code. */
void report_terminate(int flush_stdio) __attribute__((noreturn));

/* Called from the library destructor: summary line, exit status. */
void report_at_exit(void);
/* The same at _exit/_Exit, without the contention profile (report.c says why). */
void report_at_quick_exit(void);
/* Wait, bounded, until no other thread is writing a report (exit paths: the report is not cut off). */
void report_wait_in_flight(void);
void report_after_fork_child(void);
void report_lock_for_fork(void);
void report_unlock_after_fork(void);

struct frame_info;
/* report_frames.c: the frames shown for a stored stack (or, when the stack is 0, for the single return address pc),
 * exactly as the text report shows them: inlined calls expanded into frames of their own, the walk
 * stopped at libc's thread/process start-up plumbing and after main.  fn is called for each frame in
 * order, innermost first; a nonzero return stops the walk and is returned.  Symbolizes: call only with
 * the re-entry guard set. */
typedef int (*report_frame_fn)(const struct frame_info *f, void *arg);
int report_walk_stack(uint32_t stack, uintptr_t pc, report_frame_fn fn, void *arg);

/* A frame in words, the same in every writer.  With debug info: the function and "file:line" (just
 * "file" when the line is unknown: never a made-up line 0).  Without: the function as "symbol+0xN"
 * (the symbol-table or exported symbol containing the address; "??" when there is none) and the
 * object as "libx.so+0xN", the offset addr2line -e takes.
 *   report_frame_function: "lock_both" | "lock_both+0x1c" | "??"
 *   report_frame_object:   "libx.so+0x120b" | "libx.so" | "?"
 *   report_frame_site:     "lock_both x.c:12" | "lock_both+0x1c (libx.so+0x120b)", for one-line mentions */
void report_frame_function(const struct frame_info *f, char *buf, size_t len);
void report_frame_object(const struct frame_info *f, char *buf, size_t len);
void report_frame_site(const struct frame_info *f, char *buf, size_t len);

/* Where a lock was created or first used, as one frame: the first frame in the program's own code
 * (outside system headers) of its creation stack, so a lock first taken through std::mutex::lock or
 * another header-only wrapper is "first used" where the program called that wrapper; else create_pc. */
void report_lock_site_frame(const struct report_lock *l, struct frame_info *out);
/* For a lock initialised in a library's wrapper (an init site with a creation stack that has been
 * called from two places or more, init_sites.h): the frame right above the site, where the wrapper
 * was called.  0 for any other lock. */
int report_lock_init_caller(const struct report_lock *l, struct frame_info *out);
/* The frame right above pc in a creation stack (the caller of the *_init call's function): 1, or 0
 * when pc is not in the stack. */
int report_init_caller_frame(uint32_t stack, uintptr_t pc, struct frame_info *out);
/* Appends ", called from <frame>" to buf for a lock made through a library's wrapper (nothing
 * otherwise): the lock lines of the reports and the profile table. */
void report_append_init_caller(const struct report_lock *l, char *buf, size_t len);
/* A report_frame_fn that stops at the first frame of the program's own code (a source file outside
 * /usr/, not in libc or the dynamic loader), copying it to *(struct frame_info *)arg. */
int report_first_program_frame(const struct frame_info *f, void *arg);

/* One frame as the JSON report writes it (report_json.c): the graph file uses the same objects. */
void report_json_frame(struct outbuf *ob, const struct frame_info *f);

#endif
