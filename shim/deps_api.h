/* deps_api: the one interface between libcoffman and libcoffman-deps.so, its private namespace.
 *
 * libcoffman-deps.so holds everything coffman needs from other libraries — stack capture with
 * libunwind, symbolization with elfutils libdw — and is loaded with dlmopen(LM_ID_NEWLM), so it gets a
 * link-map namespace of its own with its own copy of libc.  That is the isolation the host needs:
 *   - no symbol of libunwind (its _Unwind_* among them) or libdw enters the program's scope, so a C++
 *     plugin's exceptions and a program's own libunwind calls bind exactly as they would natively;
 *   - their malloc, stdio and pthread locks are the private libc's, never the program's allocator
 *     (jemalloc) and never our own wrappers;
 *   - descriptors they open are moved above coffman's private floor (deps_ns.c).
 * libcoffman finds the library beside itself, resolves the single symbol COFFMAN_DEPS_SYMBOL (a
 * struct deps_api) and calls init() once with what only the host namespace can do.
 *
 * Calls into the table are serialised by the caller where the callee is not thread-safe (symbolizer);
 * capture() is thread-safe and async-signal-safe enough for the watchdog's sample handler (libunwind's
 * local unwinding, no allocation).
 */
#ifndef COFFMAN_DEPS_API_H
#define COFFMAN_DEPS_API_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"

#define COFFMAN_DEPS_SYMBOL "coffman_deps_api"
#define COFFMAN_DEPS_VERSION 11     /* 2: frame_info carries the object offset; 3: symbolize_function_name;
                                     * 4: pprof_encode; 5: deps_host.unwind_locks, getcontext, capture_from;
                                     * 6: deps_host.unwind_thread and unwind_check, unwind_objects_unloaded;
                                     * 7: pprof_load (the encoder is libcoffman-pprof.so);
                                     * 8: deps_host.setcancelstate (capture and capture_from no longer
                                     *    need cancellation off around them);
                                     * 9: deps_host.symtab_check, checks_summary;
                                     * 10: deps_host.main_program;
                                     * 11: unwind_thread.memo */
#define COFFMAN_PPROF_LIBRARY "libcoffman-pprof.so"
#define COFFMAN_PPROF_SYMBOL "coffman_pprof_encode"

/* A contention profile in neutral form for pprof_encode: what pprof's format holds, without its
 * encoding (which needs protobuf-c, a library of the namespace).  Ids are 1-based indices into the
 * arrays; every string is plain C text, interned into the string table by the encoder. */
#define PPROF_VALUES_MAX 4
struct pprof_function { const char *name, *file; };
struct pprof_line { uint32_t function; int line; };
struct pprof_location { uintptr_t address; int nlines; const struct pprof_line *lines; };
struct pprof_sample {
	int nlocations;
	const uint32_t *locations;      /* innermost first */
	int64_t values[PPROF_VALUES_MAX];
	const char *lock;               /* label "lock", NULL for none */
};
struct pprof_data {
	int nvalues;
	const char *type[PPROF_VALUES_MAX], *unit[PPROF_VALUES_MAX];
	int default_type;               /* index into type[] */
	int64_t time_nanos, duration_nanos;
	const char *program;            /* the one mapping's file name */
	size_t nfunctions, nlocations, nsamples;
	const struct pprof_function *functions;
	const struct pprof_location *locations;
	const struct pprof_sample *samples;
};

/* Room for libunwind's unw_context_t (968 bytes on x86-64), which libcoffman does not include. */
#define COFFMAN_UNWIND_CONTEXT_BYTES 1024
struct unwind_context {
	_Alignas(16) unsigned char bytes[COFFMAN_UNWIND_CONTEXT_BYTES];
};

typedef int (*phdr_callback)(struct dl_phdr_info *, size_t, void *);

/* What the unwinder keeps per thread, in libcoffman's initial-exec TLS (deps_host.unwind_thread). */
/* A stack the cached walk found, with everything the walk read to find it (deps_unwind.c: the memo):
 * a later walk from the same pc and stack pointer, with the same values in the registers it consulted
 * and in the stack slots it read, in the same epoch of the rule table, would find the same stack. */
#define UNWIND_MEMO_ENTRIES 2
#define UNWIND_MEMO_FRAMES 24
#define UNWIND_MEMO_SLOTS 40
#define UNWIND_MEMO_DEPS 4
struct unwind_memo {
	int valid;                      /* 0 while written, or never filled */
	unsigned epoch;
	uintptr_t pc0, sp0;
	int max;                        /* the walk's limit of frames */
	uint8_t n, nslots, ndeps;
	uint8_t dep_reg[UNWIND_MEMO_DEPS];              /* DWARF numbers, consulted with their first value */
	uintptr_t dep_val[UNWIND_MEMO_DEPS];
	int32_t span_lo, span_hi;                       /* every slot the walk read, from sp0 */
	int32_t slot_off[UNWIND_MEMO_SLOTS];            /* the slots whose values decide it, from sp0 */
	uintptr_t slot_val[UNWIND_MEMO_SLOTS];
	uintptr_t pcs[UNWIND_MEMO_FRAMES];
};

struct unwind_thread {
	int locks;                      /* libunwind's or the rule table's locks held (deps_ns.c) */
	int in_libdw;                   /* inside the symbolizer or the pprof encoder (they allocate) */
	/* A stretch of this thread's stack proven mapped (deps_unwind.c), which the cached walk may
	 * read without asking the kernel again; empty (lo == hi) until the first capture. */
	uintptr_t readable_lo, readable_hi;
	/* The memo: UNWIND_MEMO_ENTRIES entries in the thread's record (NULL before it has one and after
	 * it ended), read and written only by the outermost capture of the thread (a signal handler's
	 * capture on top of another one leaves it alone). */
	int memo_users;
	unsigned memo_next;
	struct unwind_memo *memo;
};

struct deps_host {
	/* dl_iterate_phdr over the host namespace (the program's objects).  glibc lists only the caller's
	 * namespace, so this must be a function of libcoffman's, not glibc's own entry point. */
	int (*iterate_host_phdr)(phdr_callback cb, void *data);
	int fd_floor;                   /* descriptors below this belong to the program */
	/* The calling thread's unwinder state (its count of libunwind's locks held, deps_ns.c), in
	 * libcoffman's own TLS: every thread has it from its start, while this namespace's TLS is
	 * allocated by the loader on first touch (with the program's malloc) unless thread_prepare ran. */
	struct unwind_thread *(*unwind_thread)(void);
	/* COFFMAN_UNWIND_CHECK (a developer's switch, NULL when unset): a file to which every capture's
	 * cached walk is compared with a plain libunwind walk (deps_unwind.c). */
	const char *unwind_check;
	/* The program's pthread_setcancelstate: capture and capture_from turn cancellation off only
	 * around what reaches a cancellation point (libunwind's steps, which read and write its
	 * validation pipe, and libdw's reading of an object's CFI), not around every walk. */
	int (*setcancelstate)(int state, int *old);
	/* COFFMAN_SYMTAB_CHECK (a developer's switch, NULL when unset): a file to which every answer of
	 * the symbol-table index is compared with libdw's own search (deps_symtab.c). */
	const char *symtab_check;
	/* The main program's path as the host read it at start: the namespace may be loaded later (deps.h),
	 * after a sandbox or chroot has taken /proc/self/exe away. */
	const char *main_program;
};

struct deps_api {
	int version;
	void (*init)(const struct deps_host *host);
	/* Return addresses of the caller's stack, innermost first, without the library's own frames. */
	int (*capture)(uintptr_t *pcs, int max);
	/* Save the calling frame's registers (libunwind's unw_getcontext: call it from the frame itself,
	 * not through a helper of its own), and later walk from there: from a wrapper's frame, a capture
	 * made deeper down skips the checker's own frames instead of unwinding them one by one.  The
	 * frame must still be live when capture_from runs. */
	int (*getcontext)(struct unwind_context *ctx);
	int (*capture_from)(const struct unwind_context *ctx, uintptr_t *pcs, int max);
	void (*symbolize_code)(uintptr_t addr, uintptr_t pc, struct frame_info *out);
	int (*symbolize_code_inlined)(uintptr_t addr, uintptr_t pc, struct frame_info *out, int max);
	int (*symbolize_data)(uintptr_t addr, char *name, size_t len);
	/* The function containing addr from the symbol table alone (no DWARF read); 0 if unknown. */
	int (*symbolize_function_name)(uintptr_t addr, char *name, size_t len);
	/* An object was unloaded: re-read the module list before the next lookup (symbolizer; called
	 * under the host's symbolizer lock). */
	void (*objects_unloaded)(void);
	/* The same for the unwinder's rule table (thread-safe, any time): no rule read before the call
	 * is used after it. */
	void (*unwind_objects_unloaded)(void);
	/* Allocate this thread's TLS blocks in the namespace now (at thread start, where no program lock
	 * is held), so that no later call makes the loader allocate them with the program's malloc. */
	void (*thread_prepare)(void);
	/* Encode a profile as an uncompressed pprof protobuf into buf: the encoded size, larger than cap
	 * when nothing was written (call again with that much room), 0 on failure (or before pprof_load
	 * succeeded).  NULL when coffman was built without protobuf-c. */
	size_t (*pprof_encode)(const struct pprof_data *d, uint8_t *buf, size_t cap);
	/* Load the encoder (COFFMAN_PPROF_LIBRARY at path, with libprotobuf-c) into this namespace: NULL
	 * when done, else why not.  Only from the library constructor, like the namespace itself (the
	 * loader's lock and the program's malloc): a run without a profile never maps protobuf-c. */
	const char *(*pprof_load)(const char *path);
	/* The developers' check modes (COFFMAN_UNWIND_CHECK, COFFMAN_SYMTAB_CHECK): append each one's
	 * count for this process to its file.  Called by libcoffman's destructor, after the graph file and
	 * the reports made at exit: this namespace's own destructors run before it. */
	void (*checks_summary)(void);
};

#endif
