/* graph_objects: the loaded ELF objects as the graph file names them — path, build-id and the address
 * ranges of their segments — so that a lock's address tells whether it is a static lock (inside an
 * object) and which object and offset it is.
 *
 * A table is a snapshot built with dl_iterate_phdr (the loader's lock: call it from the constructor, a
 * dlopen/dlclose wrapper or an exit path, never while holding an internal lock a wrapper may need).
 * Lookups are binary searches over the sorted segments and take no lock: the caller owns the table.
 */
#ifndef COFFMAN_GRAPH_OBJECTS_H
#define COFFMAN_GRAPH_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

struct graph_object {
	uintptr_t bias;                 /* load bias: address - bias = the address in the file's terms */
	char *path;                     /* as mapped; the executable's real path for the main program */
	const char *name;               /* basename of path (points into it) */
	char build_id[41];              /* hex, "" when the object has none */
};

struct graph_segment {
	uintptr_t lo, hi;
	int object;                     /* index into objects */
};

struct graph_objects {
	struct graph_object *objects;
	int nobjects;
	struct graph_segment *segments; /* sorted by lo */
	int nsegments;
	unsigned long long adds, subs;  /* the loader's counts of objects ever loaded and unloaded */
};

/* Build a fresh snapshot (0, or -1 when out of memory: then it is empty). */
int graph_objects_load(struct graph_objects *t);
void graph_objects_free(struct graph_objects *t);
/* The object whose segment holds addr, or NULL. */
const struct graph_object *graph_objects_find(const struct graph_objects *t, uintptr_t addr);
/* 1 if objects were loaded or unloaded since t was built: one loader call that stops at the first
 * object (its counters), so it can tell cheaply that an address outside t is outside every object. */
int graph_objects_stale(const struct graph_objects *t);
/* The main program (the first object dl_iterate_phdr lists), or NULL. */
const struct graph_object *graph_objects_main(const struct graph_objects *t);

#endif
