/* memprobe: asks the kernel, not the MMU, whether memory can be read.  rt_sigprocmask with an invalid
 * `how` first copies the 8 bytes it is given as the new signal set, so it fails with EFAULT where
 * nothing readable is mapped and with EINVAL otherwise, changing nothing: no signal is raised (a read
 * that faults would raise SIGSEGV in the program), no descriptor is used, and seccomp sandboxes allow
 * it (glibc needs it), where mincore or process_vm_readv may kill the process.  The deps library asks
 * the same question of stack pages (deps_readable); this one is for lock memory. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memprobe.h"

static int word_readable(uintptr_t addr)
{
	return syscall(SYS_rt_sigprocmask, -1, (const void *)addr, (void *)0, (size_t)(_NSIG / 8)) == -1 &&
	       errno == EINVAL;
}

int mem_readable(const void *p, size_t len)
{
	int saved = errno;
	uintptr_t first = (uintptr_t)p, last = first + (len > 8 ? len - 8 : 0);
	/* The first and the last 8 bytes: a range no longer than a page touches at most the two pages
	 * they are on. */
	int readable = word_readable(first) && (last == first || word_readable(last));
	errno = saved;
	return readable;
}
