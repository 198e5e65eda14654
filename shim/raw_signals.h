/* raw_signals: the two uses coffman makes of rt_sigprocmask, shared by libcoffman and the deps library
 * (each its own shared object, so the code is inline here rather than in one of them).
 *
 * Holding signals off: every signal but the faults coffman's own reads might raise, abort's, SIGKILL and
 * SIGSTOP, and glibc's internal ones (cancellation and setxid, 32 and 33), which glibc's sigprocmask
 * never blocks either.  The kernel's 8-byte mask, not glibc's 128-byte sigset_t.
 *
 * Asking whether memory can be read: with an invalid `how` the call first copies the 8 bytes it is given
 * as the new mask, so it fails with EFAULT where nothing readable is mapped and with EINVAL otherwise,
 * changing nothing; no signal, no descriptor, and seccomp sandboxes allow it (glibc needs it), where
 * mincore or process_vm_readv may kill the process. */
#ifndef COFFMAN_RAW_SIGNALS_H
#define COFFMAN_RAW_SIGNALS_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RAW_SIGNALS_HELD                                                                                  \
	(~((1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) | (1ULL << (SIGILL - 1)) | (1ULL << (SIGFPE - 1)) | \
	   (1ULL << (SIGTRAP - 1)) | (1ULL << (SIGSYS - 1)) | (1ULL << (SIGABRT - 1)) | (1ULL << (SIGKILL - 1)) | \
	   (1ULL << (SIGSTOP - 1)) | (1ULL << 31) | (1ULL << 32)))

/* Hold them off; 0 with *old the mask before, -1 if refused (nothing held).  errno kept. */
static inline int raw_signals_hold(uint64_t *old)
{
	static const uint64_t held = RAW_SIGNALS_HELD;
	int saved = errno;
	int rc = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &held, old, sizeof *old) == 0 ? 0 : -1;
	errno = saved;
	return rc;
}

/* Give back the mask raw_signals_hold saved.  errno kept. */
static inline void raw_signals_back(uint64_t old)
{
	int saved = errno;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
	errno = saved;
}

/* Whether the 8 bytes at addr can be read.  errno kept. */
static inline int raw_word_readable(uintptr_t addr)
{
	int saved = errno;
	int readable = syscall(SYS_rt_sigprocmask, -1, (const void *)addr, (void *)0, (size_t)(_NSIG / 8)) == -1 &&
		       errno == EINVAL;
	errno = saved;
	return readable;
}

#endif
