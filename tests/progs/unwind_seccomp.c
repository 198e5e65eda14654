/* A process under a seccomp filter that refuses mincore() and rt_sigpending(), as the sandboxes of
 * Firefox's content processes (SIGSYS to a handler that logs the call and makes it fail with ENOSYS)
 * and, for rt_sigpending, Chromium's renderers (the process is killed) do, makes a lock-order
 * inversion whose edges are captured on stack pages the checker has not read before: a second thread
 * started after the filter, and main deeper than it has been.  The checker must read its stacks without mincore(), and write
 * its report (to a file or a pipe) without sigpending().
 * Usage: unwind_seccomp trap|kill|files (expected: one lock-order inversion of first and second, whose
 * stacks reach thread_main and main; "unwind_seccomp: 0 calls refused"; exit status 66).  files: as
 * kill, and the file system refused with EPERM as Chromium's renderers have it (open, openat,
 * readlink, readlinkat: no /proc/self/exe, no file for libdw): the report goes to stderr, its frames
 * in the program named by object and offset. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER, second = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t refused;
static volatile char sink;

/* What Firefox's SigSysHandler does for a call its policy does not know: count (it logs), fail it. */
static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	refused++;
	((ucontext_t *)context)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

static int install_filter(int kill, int files)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_readlink, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_readlinkat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, files ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mincore, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigpending, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, kill ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("unwind_seccomp: seccomp");
		return -1;
	}
	return 0;
}

static __attribute__((noinline)) void lock_both(pthread_mutex_t *a, pthread_mutex_t *b)
{
	pthread_mutex_lock(a);
	pthread_mutex_lock(b); /* lock_both: the second lock */
	pthread_mutex_unlock(b);
	pthread_mutex_unlock(a);
}

/* Deeper than main has been: a stack page the checker has not proven. */
static __attribute__((noinline)) void deep(pthread_mutex_t *a, pthread_mutex_t *b)
{
	volatile char pad[48 * 1024];
	pad[0] = 1;
	lock_both(a, b); /* deep: the call */
	sink = pad[0];
}

static void *thread_main(void *arg)
{
	(void)arg;
	deep(&first, &second); /* thread_main: first then second */
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "trap") != 0 && strcmp(argv[1], "kill") != 0 &&
			  strcmp(argv[1], "files") != 0)) {
		fprintf(stderr, "usage: unwind_seccomp trap|kill|files\n");
		return 2;
	}
	int files = strcmp(argv[1], "files") == 0;
	if (install_filter(files || strcmp(argv[1], "kill") == 0, files) != 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, thread_main, NULL);
	pthread_join(t, NULL);
	deep(&second, &first); /* main: second then first */
	printf("unwind_seccomp: %d calls refused\n", (int)refused);
	return 0;
}
#else
int main(void)
{
	puts("unwind_seccomp: x86-64 Linux only");
	return 77;
}
#endif
