/* deps_ns: what libcoffman-deps.so changes inside its own namespace, and its internal entry points.
 *
 * The library is the root of a private namespace (deps_api.h), so the symbols it exports come first
 * for every object loaded there: its open/openat/close (deps_fds.c) keep libdw's descriptors above the
 * host's floor and never close one the program has taken over, its pipe2/read/syscall give libunwind
 * a memory-check pipe without descriptors, its dl_iterate_phdr shows libunwind the host's objects as
 * well as its own, and its sigprocmask and pthread_mutex_lock/unlock spare libunwind two system calls per frame while keeping
 * a signal handler's capture from waiting for its own thread (deps_ns.c).  The stack walk
 * (deps_unwind.c) steps most frames by rules cached per code address (deps_unwind_rules.c).
 */
#ifndef COFFMAN_DEPS_NS_H
#define COFFMAN_DEPS_NS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "deps_api.h"

/* Set by init(): the host's services. */
extern struct deps_host deps_host;

/* deps_ns.c: this thread holds (or waits for) one of libunwind's locks: a signal interrupted it. */
int deps_unwind_busy(void);
/* The calling thread's unwinder state (deps_api.h), in libcoffman's TLS. */
struct unwind_thread *deps_unwind_thread(void);
/* deps_ns.c: hold the program's asynchronous signals (a collector's stop-the-world signal) while the
 * thread may take a lock of libunwind's, libdw's or the loader's; returns the mask to give back. */
uint64_t deps_signals_hold(void);
void deps_signals_back(uint64_t old);

/* deps_fds.c: find the libc functions it stands in for (at init); whether fd is still the file this
 * namespace opened on it (not a number the program took over after closing ours). */
void deps_fds_resolve(void);
int deps_fd_still_ours(int fd);

/* deps_unwind.c */
void deps_unwind_init(void);
int deps_capture(uintptr_t *pcs, int max);
/* unw_getcontext itself (an assembly routine that saves its caller's registers), not a C function
 * around it, so that the context is the caller's frame. */
#if defined(__x86_64__)
/* The same without the floating-point environment (deps_unwind.c), which no walk reads. */
int deps_getcontext_nofp(struct unwind_context *ctx);
#define DEPS_GETCONTEXT deps_getcontext_nofp
#else
#define DEPS_GETCONTEXT ((int (*)(struct unwind_context *))(void (*)(void))unw_tdep_getcontext)
#endif
int deps_capture_from(const struct unwind_context *ctx, uintptr_t *pcs, int max);
/* COFFMAN_UNWIND_CHECK's count for this process, appended to its file. */
void deps_unwind_check_summary(void);
/* Whether the pages of [addr, addr + len) (addr page-aligned) are mapped and readable; without
 * mincore(), which seccomp sandboxes refuse.  Async-signal-safe, errno kept. */
int deps_readable(uintptr_t addr, size_t len);

/* deps_unwind_rules.c: the process-wide table of unwind rules by code address.  A frame's rule, in
 * x86-64 DWARF register numbers (rbx 3, rbp 6, rsp 7, r12-r15 12-15, return address 16). */
enum rule_kind {
	RULE_LIBUNWIND = 1,     /* anything the cached walk does not do: libunwind steps this frame */
	RULE_CFA,               /* CFA = cfa_reg + cfa_off, return address at CFA - 8, saved[] */
	RULE_END,               /* the outermost frame (return address or rbp undefined) */
};
struct frame_rule {
	uint8_t kind;
	uint8_t cfa_reg;        /* 6 (rbp) or 7 (rsp) */
	uint8_t signal;         /* a signal trampoline: the next frame's pc is exact, not a return address */
	uint8_t unused;
	int32_t cfa_off;
	int8_t saved[6];        /* RULE_SAVED_REGS[i]: 0 unchanged, else saved at CFA + 8 * saved[i] */
	uint8_t unused2[2];
};
#define RULE_SAVED_REGS { 3, 6, 12, 13, 14, 15 }
/* The rule for code address key (a return address minus 1, or an exact pc after a signal); 0 if not
 * cached.  Lock-free, async-signal-safe. */
int deps_rule_find(uintptr_t key, struct frame_rule *out);
/* Read the rule from the object's CFI and cache it; RULE_LIBUNWIND if it cannot be had now (another
 * thread is filling: no waiting). */
void deps_rule_fill(uintptr_t key, struct frame_rule *out);
/* The rule table's epoch (moved by deps_rules_forget): a stack walked by rules of another epoch may
 * not be walked the same way now. */
unsigned deps_rules_epoch(void);
void deps_rules_forget(void);

/* deps_symbolize.c */
struct Dwfl;
struct Dwfl_Module;
/* An empty libdw session, and the object holding addr (either namespace) reported into one. */
struct Dwfl *deps_dwfl_begin(void);
struct Dwfl_Module *deps_dwfl_report_object_at(struct Dwfl *session, uintptr_t addr);
void deps_symbolize_code(uintptr_t addr, uintptr_t pc, struct frame_info *out);
int deps_symbolize_code_inlined(uintptr_t addr, uintptr_t pc, struct frame_info *out, int max);
int deps_symbolize_data(uintptr_t addr, char *name, size_t len);
int deps_symbolize_function_name(uintptr_t addr, char *name, size_t len);
void deps_symbolize_objects_unloaded(void);

/* deps_pprof.c, in libcoffman-pprof.so (with protobuf-c): its one exported entry, COFFMAN_PPROF_SYMBOL. */
size_t coffman_pprof_encode(const struct pprof_data *d, uint8_t *buf, size_t cap);

#endif
