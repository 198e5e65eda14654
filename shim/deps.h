/* deps: loading libcoffman-deps.so into its private namespace (see deps_api.h for why).
 *
 * deps_load() runs once, from the library constructor — never from a wrapper, because dlmopen
 * allocates with the program's allocator and takes the loader's locks.  Until it has run, or if the
 * library cannot be loaded (coffman then says so once), deps_api is NULL: stacks are empty and names
 * come from dladdr alone.  Checks still run; only the reports are poorer.
 */
#ifndef COFFMAN_DEPS_H
#define COFFMAN_DEPS_H

#include "deps_api.h"

extern const struct deps_api *deps_api;

void deps_load(void);
/* Load the pprof encoder into the namespace (COFFMAN_PROFILE), also only from the constructor, after
 * deps_load: NULL when deps_api->pprof_encode can be used, else why not. */
const char *deps_pprof_load(void);
/* A thread is starting (before its start routine): prepare its TLS in the namespace. */
void deps_thread_start(void);
/* The end of the process: the developers' check modes write their counts (deps_api.h). */
void deps_checks_summary(void);

#endif
