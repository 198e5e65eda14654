/* stacks: capture the current call stack (libunwind, in libcoffman-deps.so) and intern it in a
 * process-wide store (coffman's own memory: mem.h).
 *
 * A stack crosses module boundaries as a 32-bit id (0 = none).  Identical stacks share one entry, so a
 * report or an edge record costs 4 bytes per stack.  Frames inside libcoffman itself are dropped: the
 * user's innermost frame is the caller of pthread_mutex_lock (or of whatever was interposed).
 * Capture is the expensive part, so it happens only on slow paths (new edge, report, long wait);
 * symbolization happens later still, only when a report is printed.  Entries are never freed: stacks
 * are few (one per distinct acquisition site that creates an edge) and reports may print them late.
 */
#ifndef COFFMAN_STACKS_H
#define COFFMAN_STACKS_H

#include <stdint.h>

#include "deps.h"

#define STACK_MAX_FRAMES 48

/* Capture the caller's stack and intern it; 0 if capture failed. */
uint32_t stack_capture(void);
/* The same, walking from a context a wrapper saved in its own frame (stack_save_context), which must
 * still be live: the checker's frames below it are skipped instead of unwound.  ctx NULL: as
 * stack_capture. */
uint32_t stack_capture_from(const struct unwind_context *ctx);
/* Save the calling frame's registers for stack_capture_from; 0 on success.  Inline, so that the frame
 * saved is the caller's own (libunwind's getcontext is called from it directly). */
static inline __attribute__((always_inline)) int stack_save_context(struct unwind_context *ctx)
{
	const struct deps_api *api = deps_now();
	return api ? api->getcontext(ctx) : -1;
}
/* Intern a stack captured elsewhere (e.g. in a signal handler). */
uint32_t stack_intern(const uintptr_t *pcs, int n);
/* Capture raw PCs without interning (async-signal context: no locks, no allocation). */
int stack_capture_raw(uintptr_t *pcs, int max);
/* The same, walking from a context saved by stack_save_context (still live); ctx NULL: from here. */
int stack_capture_raw_from(const struct unwind_context *ctx, uintptr_t *pcs, int max);
/* The frames of a stored stack; returns the count, *pcs points into the store (immutable). */
int stack_frames(uint32_t id, const uintptr_t **pcs);

void stacks_init(void);
/* Whether pc lies in libcoffman's own code. */
int stacks_pc_is_own(uintptr_t pc);
/* An object was unloaded (dlclose): the unwinder must not use what it read from it. */
void stacks_objects_unloaded(void);
void stacks_after_fork_child(void);
void stacks_lock_for_fork(void);
/* Around other work in the deps library that a fork must wait for (deps_thread_start). */
void stacks_deps_enter(void);
void stacks_deps_leave(void);
void stacks_unlock_after_fork(void);

#endif
