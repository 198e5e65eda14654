/* deps: loading libcoffman-deps.so into its private namespace (see deps_api.h for why).
 *
 * The load costs about half a millisecond (a second libc, libunwind, libdw and the libraries libdw
 * needs), so it happens only where the run will need it.  deps_start, from the library constructor,
 * loads it at once when the program or a library it starts with imports a lock or thread function
 * (then its first lock needs stacks) or when a setting needs it (the watchdog, a profile, the check
 * modes).  Otherwise -- a shell, make, cat: most processes of a test suite -- it waits: deps_late
 * loads it at the first need (a stack to capture, a frame to name; the first thread's creation
 * captures one), through a plugin dlopened later or a function found with dlsym.
 *
 * Why loading late is safe where it happens: dlmopen takes the loader's lock and allocates with the
 * program's allocator.  A program that imported no lock function at start runs an allocator that
 * takes no lock coffman sees (one that did import them would have made the load happen at start), and
 * a late load comes before its second thread starts unless glibc started one itself.  Not in a signal
 * handler (it may have interrupted malloc or the loader), not in a vfork child.  Where it cannot
 * happen yet, that one capture is empty and the next need tries again.
 *
 * Until the load, or if the library cannot be loaded (coffman then says so once), deps_api is NULL:
 * stacks are empty and names come from dladdr alone.  Checks still run; only the reports are poorer.
 */
#ifndef COFFMAN_DEPS_H
#define COFFMAN_DEPS_H

#include "deps_api.h"

extern const struct deps_api *deps_api;

/* From the constructor: finds the library's directory, and loads it now or marks it for later. */
void deps_start(void);
/* deps_api, loaded first if it waited and it can be loaded here (above); NULL otherwise. */
const struct deps_api *deps_late(void);
/* The same, with the common case (loaded) inline: what every user of deps_api calls. */
static inline const struct deps_api *deps_now(void)
{
	const struct deps_api *api = deps_api;
	return __builtin_expect(api != NULL, 1) ? api : deps_late();
}
/* The calling thread's stack-walk memo (deps_api.h): its record's entries, or NULL when the record
 * goes away. */
void deps_thread_memo(struct unwind_memo *memo);
/* A fork child: a load that waits may happen in it. */
void deps_after_fork_child(void);
/* Load the pprof encoder into the namespace (COFFMAN_PROFILE), also only from the constructor, after
 * deps_start (which loads the namespace at once with a profile): NULL when deps_api->pprof_encode can
 * be used, else why not. */
const char *deps_pprof_load(void);
/* A thread is starting (before its start routine): prepare its TLS in the namespace. */
void deps_thread_start(void);
/* The end of the process: the developers' check modes write their counts (deps_api.h). */
void deps_checks_summary(void);

#endif
