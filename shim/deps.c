/* Loading libcoffman-deps.so (deps.h, deps_api.h). */
#include "deps.h"
#include "config.h"
#include "elf_symbols.h"
#include "output.h"
#include "sigdefer.h"
#include "stacks.h"
#include "threads.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPS_LIBRARY "libcoffman-deps.so"

const struct deps_api *deps_api;
static char deps_dir[PATH_MAX];         /* where libcoffman-deps.so was found: its companions are there too */

/* dl_iterate_phdr as seen from libcoffman's namespace.  Not a tail call: glibc picks the namespace
 * from its caller's return address, which must be in this library. */
static __thread struct unwind_thread tls_unwind __attribute__((tls_model("initial-exec")));

static struct unwind_thread *unwind_thread(void)
{
	return &tls_unwind;
}

void deps_thread_memo(struct unwind_memo *memo)
{
	tls_unwind.memo = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	if (memo)
		memset(memo, 0, UNWIND_MEMO_ENTRIES * sizeof *memo);
	atomic_signal_fence(memory_order_seq_cst);
	tls_unwind.memo = memo;
}

static __attribute__((noinline)) int iterate_host_phdr(phdr_callback cb, void *data)
{
	int rc = dl_iterate_phdr(cb, data);
	__asm__ volatile("" ::: "memory");
	return rc;
}

/* The directory libcoffman.so was loaded from: the deps library is installed beside it.  The file's
 * real path, symlinks resolved: first from the name it was loaded by (a few system calls), else from
 * /proc/self/maps when that name no longer leads to it (reading the maps costs ~0.1 ms at every
 * start: the kernel formats every mapping). */
static int own_directory(char *dir, size_t cap)
{
	Dl_info info;
	int have_name = dladdr((void *)(uintptr_t)&deps_start, &info) && info.dli_fname && info.dli_fname[0];
	char real[PATH_MAX];
	if (have_name && cap >= sizeof real && realpath(info.dli_fname, real) &&
	    snprintf(dir, cap, "%s", real) < (int)cap) {
		/* found */
	} else if (elf_mapped_file((uintptr_t)&deps_start, dir, cap) != 0) {
		if (!have_name || snprintf(dir, cap, "%s", info.dli_fname) >= (int)cap)
			return -1;
	}
	char *slash = strrchr(dir, '/');
	if (!slash)
		return snprintf(dir, cap, ".") < (int)cap ? 0 : -1;
	*slash = '\0';
	return 0;
}

/* The names libcoffman.so defines that never need a stack nor start a thread: a program that imports
 * only these (with any library it starts with) takes no lock coffman sees unless it loads one later. */
static const char *const no_stack_names[] = {
	"_exit", "_Exit", "execl", "execle", "execlp", "execv", "execve", "execvp", "execvpe", "fexecve",
	"sigaction", "signal", "sigset", "bsd_signal", "sysv_signal", "__sysv_signal", "ssignal",
	"longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "dlclose", "pthread_kill",
};

static int needs_stacks(const char *name)
{
	for (size_t i = 0; i < sizeof no_stack_names / sizeof no_stack_names[0]; i++)
		if (strcmp(name, no_stack_names[i]) == 0)
			return 0;
	return 1;
}

/* Load at start what the run will need at once: the watchdog's thread samples stacks, a profile is
 * encoded there, the check modes compare every capture; and a program (or a library it starts with)
 * that imports a lock or thread function will need stacks at its first lock. */
static int wanted_at_start(void)
{
	if (cfg.watchdog_secs > 0 || cfg.profile || getenv("COFFMAN_UNWIND_CHECK") || getenv("COFFMAN_SYMTAB_CHECK"))
		return 1;
	return elf_imports_from((uintptr_t)&deps_start, needs_stacks) != 0;
}

static const char *locate_failed;       /* why libcoffman.so's directory is unknown, or NULL */
/* The load waits for its first need (deps_start): set in the process it waits in (a vfork child
 * shares this memory, and must not load into its parent's). */
static atomic_int load_waits;
static pid_t load_pid;
static uint64_t main_start_mask;        /* the main thread's signal mask at start */

static uint64_t signal_mask(void)
{
	uint64_t mask = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof mask);
	return mask;
}

static void load_now(void)
{
	const char *why = locate_failed;
	if (!why) {
		char path[PATH_MAX + 32], exe[PATH_MAX];
		elf_main_program_path(exe, sizeof exe);         /* as read at start (init.c) */
		snprintf(path, sizeof path, "%s/%s", deps_dir, DEPS_LIBRARY);
		/* Lazy binding: a third of the load's cost is binding functions a run may never call (most
		 * of libdw's, when nothing is reported). */
		void *h = dlmopen(LM_ID_NEWLM, path, RTLD_LAZY | RTLD_LOCAL);
		if (!h) {
			why = dlerror();
		} else {
			const struct deps_api *api = dlsym(h, COFFMAN_DEPS_SYMBOL);
			if (api && api->version == COFFMAN_DEPS_VERSION) {
				struct deps_host host = {
					.iterate_host_phdr = iterate_host_phdr,
					.fd_floor = PRIVATE_FD_FLOOR,
					.unwind_thread = unwind_thread,
					.unwind_check = getenv("COFFMAN_UNWIND_CHECK"),
					.setcancelstate = pthread_setcancelstate,
					.symtab_check = getenv("COFFMAN_SYMTAB_CHECK"),
					.main_program = exe,
				};
				api->init(&host);
				__atomic_store_n(&deps_api, api, __ATOMIC_RELEASE);
				return;
			}
			why = "it is from another version of coffman";
		}
	}
	output_warn("stacks and file:line are unavailable: cannot load %s (%s)", DEPS_LIBRARY,
		    why ? why : "unknown reason");
}

void deps_start(void)
{
	if (own_directory(deps_dir, sizeof deps_dir) != 0)
		locate_failed = "cannot find libcoffman.so's own directory";
	if (wanted_at_start()) {
		load_now();
		return;
	}
	main_start_mask = signal_mask();
	load_pid = getpid();
	atomic_store(&load_waits, 1);
}

void deps_after_fork_child(void)
{
	load_pid = getpid();
	main_start_mask = signal_mask();        /* the forking thread's: it is the child's main thread */
}

/* Whether the main thread runs a handler of a fault or of abort -- which coffman does not stand in for
 * (sigdefer.h), and which may have interrupted the program's malloc or the loader itself: one of those
 * signals blocked now that was not when the program started (a handler runs with its own signal
 * blocked).  A program started with every signal blocked (a daemon that reads them from a signalfd,
 * a parent's mask kept across exec) is not in one.  Other threads are glibc's own or started raw (the
 * first one started through pthread_create loads the namespace before it starts): their masks say
 * nothing (glibc's timer and AIO threads block everything), and they are not checked. */
static int main_thread_in_fault_handler(void)
{
	if ((pid_t)syscall(SYS_gettid) != load_pid)
		return 0;
	uint64_t newly = signal_mask() & ~main_start_mask;
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		if (newly & (1ULL << (faults[i] - 1)))
			return 1;
	return 0;
}

const struct deps_api *deps_late(void)
{
	const struct deps_api *api = __atomic_load_n(&deps_api, __ATOMIC_ACQUIRE);
	if (api || !atomic_load(&load_waits) || getpid() != load_pid || sigdefer_in_handler() ||
	    main_thread_in_fault_handler())
		return api;
	if (!atomic_exchange(&load_waits, 0))
		return __atomic_load_n(&deps_api, __ATOMIC_ACQUIRE);    /* another thread loads it */
	tls_guard++;
	load_now();
	tls_guard--;
	return __atomic_load_n(&deps_api, __ATOMIC_ACQUIRE);
}

const char *deps_pprof_load(void)
{
	static char why[PATH_MAX + 160];
#ifndef HAVE_PROTOBUF_C
	return "coffman was built without protobuf-c";
#endif
	if (!deps_api)
		return "libcoffman-deps.so is not loaded";
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", deps_dir, COFFMAN_PPROF_LIBRARY);
	const char *err = deps_api->pprof_load(path);
	if (!err)
		return NULL;
	/* The namespace's dlerror text lives in its own buffer: keep a copy. */
	snprintf(why, sizeof why, "cannot load %s (%s)", COFFMAN_PPROF_LIBRARY, err);
	return why;
}

void deps_checks_summary(void)
{
	if (deps_api && deps_api->checks_summary)
		deps_api->checks_summary();
}

/* The loader allocates the blocks with the program's malloc, whose locks may come back to our
 * wrappers: the guard keeps them out of the checker while the thread is not registered yet. */
void deps_thread_start(void)
{
	if (!deps_api)
		return;
	tls_guard++;
	stacks_deps_enter();
	deps_api->thread_prepare();
	stacks_deps_leave();
	tls_guard--;
}
