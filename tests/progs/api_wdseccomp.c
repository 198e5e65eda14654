/* A process under a seccomp filter that traps (SECCOMP_RET_TRAP) two system calls and emulates them in
 * its SIGSYS handler, as Chromium's renderers do: newfstatat (fstat and fstatat with an empty path and
 * AT_EMPTY_PATH are made by fstat; any other path is refused with EPERM) and sched_getaffinity of a
 * thread named by its tid (made again for the calling thread, pid 0).  Threads ask for their CPU
 * affinity in a loop (pthread_getaffinity_np, the call V8 makes through pthread_getattr_np) while a
 * lock wait passes the watchdog's limit: the watchdog reports it and samples the holder, which keeps
 * making the trapped call.  A trapped call made with SIGSYS blocked makes the kernel reset the
 * program's SIGSYS handler to the default for the whole process: its next trapped call ends it.
 * Usage: api_wdseccomp (expected: "api_wdseccomp: N calls, M emulated, R refused, 0 wrong", N > 0;
 * under --watchdog=1 --watchdog-action=report a hang report naming the holder, exit status 66, and
 * M above N when the checker's own calls were trapped and emulated (R its refused ones); natively
 * M = N, R = 0, status 0). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static volatile long emulated, refused, wrong, calls;

/* Chromium's SIGSYSFstatatHandler and SIGSYSSchedHandler, in short. */
static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	int saved = errno;
	greg_t *r = ((ucontext_t *)context)->uc_mcontext.gregs;
	long rc;
	if (info->si_code != 1 /* SYS_SECCOMP */) {
		rc = -ENOSYS;
	} else if (info->si_syscall == __NR_newfstatat) {
		/* -EPERM is -1: errno is read only after a call that failed (it answered a refused lstat
		 * with whatever errno held, 0 now and then: a success with the buffer untouched). */
		if (*(const char *)r[REG_RSI] == '\0' && r[REG_R10] == AT_EMPTY_PATH) {
			rc = syscall(__NR_fstat, (int)r[REG_RDI], (void *)r[REG_RDX]);
			if (rc == -1)
				rc = -errno;
		} else {
			rc = -EPERM;
		}
		__atomic_fetch_add(rc == -EPERM ? &refused : &emulated, 1, __ATOMIC_RELAXED);
	} else if (info->si_syscall == __NR_sched_getaffinity && (pid_t)r[REG_RDI] == (pid_t)syscall(__NR_gettid)) {
		rc = syscall(__NR_sched_getaffinity, 0, (size_t)r[REG_RSI], (void *)r[REG_RDX]);
		if (rc == -1)
			rc = -errno;
		__atomic_fetch_add(&emulated, 1, __ATOMIC_RELAXED);
	} else {
		rc = -EPERM;
	}
	r[REG_RAX] = rc;
	errno = saved;
}

static int install_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sched_getaffinity, 0, 2),
		/* sched_getaffinity(0, ...) is allowed: the handler's own call */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		perror("api_wdseccomp: seccomp");
		return -1;
	}
	return 0;
}

/* The trapped call, checked: glibc clears the rest of the set from what the call returned. */
static void ask_affinity(void)
{
	cpu_set_t set;
	memset(&set, 0xff, sizeof set);
	int rc = pthread_getaffinity_np(pthread_self(), sizeof set, &set);
	if (rc != 0 || CPU_COUNT(&set) == 0 || CPU_COUNT(&set) > CPU_SETSIZE / 2)
		__atomic_fetch_add(&wrong, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void *asker(void *arg)
{
	(void)arg;
	while (!stop) {
		ask_affinity();
		pause_ms(1);
	}
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held); /* waiter: waits 2.5 s */
	pthread_mutex_unlock(&held);
	return NULL;
}

/* Holds the lock 2.5 s, making the trapped call all along (the watchdog samples this thread). */
static void *holder(void *arg)
{
	(void)arg;
	pthread_t w;
	pthread_mutex_lock(&held);
	pthread_create(&w, NULL, waiter, NULL);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		ask_affinity();
		pause_ms(1);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 2500);
	pthread_mutex_unlock(&held);
	pthread_join(w, NULL);
	return NULL;
}

int main(void)
{
	if (install_filter() != 0)
		return 1;
	pthread_t a[2], h;
	for (int i = 0; i < 2; i++)
		pthread_create(&a[i], NULL, asker, NULL);
	pthread_create(&h, NULL, holder, NULL);
	pthread_join(h, NULL);
	pause_ms(300);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(a[i], NULL);
	printf("api_wdseccomp: %ld calls, %ld emulated, %ld refused, %ld wrong\n", calls, emulated, refused, wrong);
	return 0;
}
#else
int main(void)
{
	puts("api_wdseccomp: x86-64 Linux only");
	return 77;
}
#endif
