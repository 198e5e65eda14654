/* memprobe: asks the kernel, not the MMU, whether memory can be read (raw_signals.h): a read that
 * faults would raise SIGSEGV in the program.  The deps library asks the same of stack pages
 * (deps_readable); this one is for lock memory. */
#include <stdint.h>

#include "memprobe.h"
#include "raw_signals.h"

int mem_readable(const void *p, size_t len)
{
	uintptr_t first = (uintptr_t)p, last = first + (len > 8 ? len - 8 : 0);
	/* The first and the last 8 bytes: a range no longer than a page touches at most the two pages
	 * they are on. */
	return raw_word_readable(first) && (last == first || raw_word_readable(last));
}
