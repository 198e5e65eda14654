/* Load, fork and exit: the library constructor wires everything up before main; fork handlers keep
 * the child's checker state consistent; the destructor prints the summary and sets the exit status. */
#include "annotate.h"
#include "config.h"
#include "deps.h"
#include "elf_symbols.h"
#include "known_edges.h"
#include "lifecycle.h"
#include "graph_file.h"
#include "ilock.h"
#include "init_sites.h"
#include "mem.h"
#include "order.h"
#include "output.h"
#include "profile.h"
#include "real.h"
#include "report.h"
#include "sems.h"
#include "sigdefer.h"
#include "stacks.h"
#include "suppress.h"
#include "symbolize.h"
#include "threads.h"
#include "watchdog.h"
#include "wrap_glib.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Every internal lock, in the one order the shim ever nests them (registry, semaphore table, graph,
 * lifecycle (inside the graph lock when a destroy is recorded with the lock's site), stack store,
 * symbolizer, report writer, annotated locks' table, allocator): the child then starts with
 * consistent tables and no lock held. */
static void before_fork(void)
{
	tls_guard++;
	registry_lock();
	sems_lock_for_fork();
	order_lock_for_fork();
	life_lock_for_fork();
	stacks_lock_for_fork();
	symbolize_lock_for_fork();
	report_lock_for_fork();
	annotate_lock_for_fork();
	init_sites_lock_for_fork();
	mem_lock_for_fork();
}

static void after_fork_parent(void)
{
	mem_unlock_after_fork();
	init_sites_unlock_after_fork();
	annotate_unlock_after_fork();
	report_unlock_after_fork();
	symbolize_unlock_after_fork();
	stacks_unlock_after_fork();
	life_unlock_after_fork();
	order_unlock_after_fork();
	sems_unlock_after_fork();
	registry_unlock();
	tls_guard--;
}

/* The process coffman was set up for: a vfork or clone child shares its memory but is another process. */
static pid_t coffman_pid;

/* coffman_exit_late (below) is registered to run at the very end of exit(). */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso_handle);
static void coffman_exit_late(void *arg);
static int late_registered;

/* The child has one thread; every internal lock some other parent thread held is reset. */
static void after_fork_child(void)
{
	coffman_pid = getpid();
	deps_after_fork_child();
	mem_after_fork_child();
	output_after_fork_child();
	report_after_fork_child();
	annotate_after_fork_child();
	init_sites_after_fork_child();
	stacks_after_fork_child();
	symbolize_after_fork_child();
	order_after_fork_child();
	sems_after_fork_child();
	known_edges_after_fork_child();
	threads_after_fork_child();
	life_after_fork_child();
	watchdog_after_fork_child();
	graph_file_after_fork_child();
	profile_after_fork_child();
	sigdefer_after_fork_child();
	ilock_after_fork_child();
	tls_guard--;
}

/* libcoffman.so is linked -z initfirst: the loader runs this before any other library's constructor
 * (by default a preloaded library's constructors run after those of every library the program needs,
 * so threads a library starts in its constructor, and the locks and waits they make, went unseen; the
 * first call on a condition variable they wait on was then taken for one on uninitialised memory).
 * The program's libc has not run its own constructor yet: its environ is still empty, so it is set
 * here from the loader's arguments (libc sets it again, to the same array). */
extern char **environ;

__attribute__((constructor(101))) static void coffman_load(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	if (!environ && envp)
		environ = envp;
	tls_guard++;
	coffman_pid = getpid();
	char exe[PATH_MAX];
	elf_main_program_path(exe, sizeof exe);        /* kept for a sandbox that takes /proc away */
	real_resolve();
	glib_init();
	output_init();
	config_load();
	deps_start();
	stacks_init();
	order_init();
	if (cfg.suppressions && suppress_load(cfg.suppressions) != 0)
		cfg.suppressions = NULL;
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	graph_file_init();
	profile_init();
	late_registered = __cxa_atexit(coffman_exit_late, NULL, NULL) == 0;
	tls_guard--;
	threads_init_main();
}

/* _exit and _Exit (wrap_exit.c): the quick part of what the end of exit() does for coffman below —
 * the SARIF document, the summary, and the exit status after a report (the contract's "exits
 * normally": lld ends every run with _exit, and a CI job saw its status, not 66) — but not the
 * program's destructors or stdio, which it skipped on purpose, and not what takes long while the
 * program's other threads run on (the profile, the graph file: report_at_quick_exit says why).  Not
 * in a vfork or clone child (it shares this process's memory: its _exit(127) after a failed exec stays
 * 127, and the parent's own exit still writes its summary), nor from a signal handler that interrupted
 * coffman itself. */
int coffman_at_quick_exit(int status)
{
	if (tls_guard || getpid() != coffman_pid)
		return status;
	tls_guard++;
	report_at_quick_exit();
	if (report_total() > 0 && cfg.exitcode != 0)
		status = cfg.exitcode;
	tls_guard--;
	return status;
}

/* The end of the process in exit(), once: the graph file, the reports made at exit, the summary, the
 * profile, and the exit status after a report (which ends the process at once: fflush, then _exit). */
static void process_end(void)
{
	static atomic_int ended;
	if (atomic_exchange(&ended, 1))
		return;
	tls_guard++;
	watchdog_stop();
	graph_file_write("exit");
	if (tls_self)
		life_process_exit(tls_self);    /* destroy-locked: a held lock's memory freed */
	report_at_exit();
	deps_checks_summary();
	if (report_total() > 0 && cfg.exitcode != 0) {
		fflush(NULL);
		_exit(cfg.exitcode);
	}
	tls_guard--;
}

/* Registered by the constructor with no object of its own (__cxa_atexit's NULL dso_handle): exit()
 * runs it after the loader's finalisation (rtld_fini, registered later, by __libc_start_main), so
 * after the destructors of every library, and just before stdio is closed.  When this ran as
 * libcoffman.so's destructor, glibc 2.36 called it after the program's own destructors but before
 * those of the libraries the program needs: after a report, its _exit(66) skipped them (their files
 * unwritten, their output lost), and a report one of them made came after the summary and did not
 * make the exit status 66 (tests/api_libdtor.sh). */
static void coffman_exit_late(void *arg)
{
	(void)arg;
	process_end();
}

/* Only if the late handler could not be registered: the destructor does the same, earlier. */
__attribute__((destructor(101))) static void coffman_unload(void)
{
	if (!late_registered)
		process_end();
}
