/* Stack capture with libunwind, inside libcoffman-deps.so (deps_api.h).
 *
 * A plain unw_step walk over libunwind's process-wide caches: no per-thread trace cache (unw_backtrace
 * maps ~270 KB per thread for it and keeps TLS), no allocation, safe in the watchdog's signal handler.
 * This library's own frames are dropped here; libcoffman drops its own (stacks.c).
 */
#define UNW_LOCAL_ONLY
#include "deps_ns.h"

#include <libunwind.h>

static uintptr_t own_lo, own_hi;

static int find_own_text(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t probe = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (probe >= lo && probe < hi) {
			own_lo = lo;
			own_hi = hi;
			return 1;
		}
	}
	return 0;
}

void deps_unwind_init(void)
{
	dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&deps_unwind_init);
	/* Warm libunwind up now (it opens its validation pipe and sizes its caches at the first walk),
	 * so no program thread pays for it inside a lock. */
	uintptr_t pcs[4];
	deps_capture(pcs, 4);
}

int deps_capture(uintptr_t *pcs, int max)
{
	unw_context_t context;
	unw_cursor_t cursor;
	if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0)
		return 0;
	int out = 0;
	for (int steps = 0; out < max && steps < max + 32; steps++) {
		unw_word_t ip = 0;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		if (ip < own_lo || ip >= own_hi)
			pcs[out++] = (uintptr_t)ip;
		if (unw_step(&cursor) <= 0)
			break;
	}
	return out;
}
