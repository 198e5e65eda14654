/* deps_ns: what libcoffman-deps.so changes inside its own namespace, and its internal entry points.
 *
 * The library is the root of a private namespace (deps_api.h), so the symbols it exports come first
 * for every object loaded there: its open/openat/pipe2 keep libdw's and libunwind's descriptors above
 * the host's floor, its dl_iterate_phdr shows libunwind the host's objects as well as its own, and its
 * sigprocmask and pthread_mutex_lock/unlock spare libunwind two system calls per frame while keeping
 * a signal handler's capture from waiting for its own thread (deps_ns.c).
 */
#ifndef COFFMAN_DEPS_NS_H
#define COFFMAN_DEPS_NS_H

#include <stdint.h>
#include <stdio.h>

#include "deps_api.h"

/* Set by init(): the host's services. */
extern struct deps_host deps_host;

/* deps_ns.c: this thread holds (or waits for) one of libunwind's locks: a signal interrupted it. */
int deps_unwind_busy(void);

/* deps_unwind.c */
void deps_unwind_init(void);
int deps_capture(uintptr_t *pcs, int max);
/* unw_getcontext itself (an assembly routine that saves its caller's registers), not a C function
 * around it, so that the context is the caller's frame. */
#define DEPS_GETCONTEXT ((int (*)(struct unwind_context *))(void (*)(void))unw_tdep_getcontext)
int deps_capture_from(const struct unwind_context *ctx, uintptr_t *pcs, int max);

/* deps_symbolize.c */
void deps_symbolize_code(uintptr_t addr, uintptr_t pc, struct frame_info *out);
int deps_symbolize_code_inlined(uintptr_t addr, uintptr_t pc, struct frame_info *out, int max);
int deps_symbolize_data(uintptr_t addr, char *name, size_t len);
int deps_symbolize_function_name(uintptr_t addr, char *name, size_t len);
void deps_symbolize_objects_unloaded(void);

/* deps_pprof.c (with protobuf-c; without it the entry stays NULL) */
#ifdef HAVE_PROTOBUF_C
size_t deps_pprof_encode(const struct pprof_data *d, uint8_t *buf, size_t cap);
#define DEPS_PPROF_ENCODE deps_pprof_encode
#else
#define DEPS_PPROF_ENCODE NULL
#endif

#endif
