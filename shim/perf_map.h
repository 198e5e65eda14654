/* perf_map: names for code a JIT compiler made, from the map file the JIT writes for perf. */
#ifndef COFFMAN_PERF_MAP_H
#define COFFMAN_PERF_MAP_H

#include <stddef.h>
#include <stdint.h>

/* The name of the JIT-compiled function that contains addr, from /tmp/perf-<pid>.map, with the start
 * of its code in *start, and the file's name ("perf-<pid>.map") in file; 0 if there is no such file
 * (or it is not this user's regular file) or no line covers addr.  Not thread-safe: the caller
 * serialises (symbolize.c's lock). */
int perf_map_lookup(uintptr_t addr, char *name, size_t len, uintptr_t *start, char *file, size_t file_len);

#endif
