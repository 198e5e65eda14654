/* text_range: the executable segment of the loaded object that contains an address, from the
 * dl_iterate_phdr callback.  Shared by libcoffman (stacks.c: drop its own frames) and libcoffman-deps.so
 * (deps_unwind.c: drop the capture's own frames); header-only because the two are separate objects. */
#ifndef COFFMAN_TEXT_RANGE_H
#define COFFMAN_TEXT_RANGE_H

#include <link.h>
#include <stdint.h>

struct text_range {
	uintptr_t probe;        /* in: an address inside the object */
	uintptr_t lo, hi;       /* out: its executable segment */
};

/* dl_iterate_phdr callback: fills the range and stops when the object holds probe. */
static inline int text_range_find(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct text_range *r = data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (r->probe >= lo && r->probe < hi) {
			r->lo = lo;
			r->hi = hi;
			return 1;
		}
	}
	return 0;
}

#endif
