/* Stack capture with libunwind, inside libcoffman-deps.so (deps_api.h).
 *
 * A plain unw_step walk over libunwind's process-wide caches: no per-thread trace cache (unw_backtrace
 * maps ~270 KB per thread for it and keeps TLS), no allocation, safe in the watchdog's signal handler.
 * libunwind runs without its per-frame signal masking (deps_ns.c): a capture that starts while this
 * thread holds one of libunwind's locks (a signal handler interrupted a capture inside the lock) gets
 * no frames rather than wait for itself; its caller falls back to the single return address it has.
 * This library's and libunwind's frames are dropped here; libcoffman drops its own (stacks.c).
 */
#define UNW_LOCAL_ONLY
#include "deps_ns.h"
#include "text_range.h"

#include <libunwind.h>

/* The code of this library and of libunwind: frames of the capture itself. */
static struct text_range own[2];

static int is_own(uintptr_t pc)
{
	for (unsigned i = 0; i < sizeof own / sizeof own[0]; i++)
		if (pc >= own[i].lo && pc < own[i].hi)
			return 1;
	return 0;
}

void deps_unwind_init(void)
{
	own[0].probe = (uintptr_t)&deps_unwind_init;
	own[1].probe = (uintptr_t)&_ULx86_64_step;
	for (unsigned i = 0; i < sizeof own / sizeof own[0]; i++)
		dl_iterate_phdr(text_range_find, &own[i]);
	/* The global cache of unwind rules holds 128 call sites by default: a program's lock sites and
	 * their callers overflow it, and a miss costs a search of every module's unwind table.  4096
	 * entries (a few hundred KB, once per process) keep them all. */
	unw_set_cache_size(unw_local_addr_space, 4096, 0);
	/* Warm libunwind up now (it opens its validation pipe and sizes its caches at the first walk),
	 * so no program thread pays for it inside a lock. */
	uintptr_t pcs[4];
	deps_capture(pcs, 4);
}

_Static_assert(sizeof(unw_context_t) <= sizeof(struct unwind_context), "struct unwind_context too small");
_Static_assert(_Alignof(unw_context_t) <= 16, "struct unwind_context under-aligned");

/* The walk itself, from a context whose frame is live. */
static int walk(unw_context_t *context, uintptr_t *pcs, int max)
{
	unw_cursor_t cursor;
	if (unw_init_local(&cursor, context) != 0)
		return 0;
	int out = 0;
	for (int steps = 0; out < max && steps < max + 32; steps++) {
		unw_word_t ip = 0;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		if (!is_own((uintptr_t)ip))
			pcs[out++] = (uintptr_t)ip;
		if (unw_step(&cursor) <= 0)
			break;
	}
	return out;
}

int deps_capture(uintptr_t *pcs, int max)
{
	if (deps_unwind_busy())
		return 0;
	unw_context_t context;
	if (unw_getcontext(&context) != 0)
		return 0;
	return walk(&context, pcs, max);
}

int deps_capture_from(const struct unwind_context *ctx, uintptr_t *pcs, int max)
{
	if (deps_unwind_busy())
		return 0;
	/* libunwind only reads the context of a local cursor (the first frame's registers are found
	 * in it); the cast drops a const its prototype lacks. */
	return walk((unw_context_t *)(uintptr_t)ctx, pcs, max);
}
