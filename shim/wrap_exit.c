/* _exit / _Exit: a report another thread is writing is finished before the process ends, and then
 * coffman ends its run as at exit(), but quickly: summary, SARIF and the exit status after a report;
 * not the profile nor the graph file, which take long while the other threads run on
 * (coffman_at_quick_exit, init.c).
 *
 * exit() already waits for reports in flight (the library destructor, report_at_exit); _exit skips
 * destructors, so without this a report being formatted by another thread (symbolizing takes tens of
 * milliseconds) would be cut off, and a program that always ends with _exit (lld) would never show
 * coffman's summary or exit status.  The wait is bounded (report_wait_in_flight), is skipped when the
 * caller is itself inside coffman (a signal handler that interrupted a report: that report cannot
 * finish while we wait for it).  The rest writes with write(2) and coffman's own memory only, never
 * the program's stdio or allocator; a vfork child does none of it.  A raw exit_group system call
 * cannot be seen and is not waited for.
 */
#include "init.h"
#include "report.h"
#include "threads.h"
#include "wrap.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef void (*exit_fn)(int);
static exit_fn next_exit, next_Exit;

/* Resolved at load: dlsym at _exit time could take the loader's lock, and _exit may run in a signal
 * handler or a vfork child. */
__attribute__((constructor(102))) static void resolve_exit(void)
{
	next_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	next_Exit = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
}

__attribute__((noreturn)) static void end_process(exit_fn next, int status)
{
	if (!tls_guard)
		report_wait_in_flight();
	status = coffman_at_quick_exit(status);
	if (next)
		next(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

EXPORT void _exit(int status)
{
	end_process(next_exit, status);
}

EXPORT void _Exit(int status)
{
	end_process(next_Exit, status);
}
