/* model: the merged lock-class graph of any number of graph files (format: README.md, "One graph
 * across a test suite"; written by shim/graph_file.c, or by `coffman-graph merge`).
 *
 * Merging is associative and commutative, so a fleet can merge per machine and then across machines:
 *   - classes, edges and live cycles are sets, joined by their keys (a class's identity string; an
 *     edge's two class keys; a live cycle's set of edges): idempotent;
 *   - an edge's "count" (lock-level edges behind it) and "processes" add up (merging one file twice
 *     counts it twice; the graph itself does not change);
 *   - an edge keeps at most ORIGINS_KEPT origins (process, thread, the two stacks), the ones whose
 *     processes sort first by identity (host, start time, pid): a choice that does not depend on the
 *     order of merging.
 * `merge` writes the model back sorted by those keys, so equal models give byte-identical files.
 *
 * Not thread-safe; the tool is single-threaded.
 */
#ifndef COFFMAN_GRAPH_MODEL_H
#define COFFMAN_GRAPH_MODEL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <uthash.h>

#define GRAPH_FORMAT_VERSION 1
#define ORIGINS_KEPT 8

struct g_process {
	json_t *obj;                    /* the "process" line without "type" and "id" */
	char *ident;                    /* host / started / pid: one process, whichever file names it */
	int index;
	UT_hash_handle hh;
};

struct g_class {
	char *key;                      /* the class identity */
	json_t *obj;                    /* the "class" line without "type" and "id" */
	int index;
	UT_hash_handle hh;
};

/* A stack is kept as the JSON text of its frames array, as the file had it, and parsed only when a
 * report shows it: stacks are most of a graph file's bytes and most are never shown. */
struct g_stack {
	char *text;                     /* equal stacks (the same text) are one */
	json_t *frames;                 /* parsed on first use (model_stack_frames) */
	int index;
	UT_hash_handle hh;
};

struct g_origin {
	int process;                    /* g_process index */
	uint64_t count;
	int thread;
	int stack, held_stack;          /* g_stack indices, -1 if none */
};

struct g_edge {
	uint64_t key;                   /* from << 32 | to (class indices) */
	int from, to;
	uint64_t count, processes;
	struct g_origin origins[ORIGINS_KEPT];
	int norigins;
	UT_hash_handle hh;
};

struct g_live {
	char *sig;                      /* the cycle's edges by class keys, sorted */
	int *pairs;                     /* 2 * nedges class indices */
	int nedges;
	int procs[ORIGINS_KEPT];
	int nprocs;
	UT_hash_handle hh;
};

struct model {
	struct g_process **processes, *process_hash;
	int nprocesses, processes_cap;
	struct g_class **classes, *class_hash;
	int nclasses, classes_cap;
	struct g_stack **stacks, *stack_hash;
	int nstacks, stacks_cap;
	struct g_edge **edges, *edge_hash;
	int nedges, edges_cap;
	struct g_live **lives, *live_hash;
	int nlives, lives_cap;
	int files;                      /* graph files read (a merged file counts once) */
};

void model_init(struct model *m);
void model_free(struct model *m);

/* Read one graph file into the model.  0, or -1 with a message on stderr (the file is not used). */
int model_load_file(struct model *m, const char *path);
/* Read every graph file (*.graph.jsonl, not hidden) in a directory, or the file path names.
 * Returns the number of files that could not be read. */
int model_load_path(struct model *m, const char *path);

/* 1 if the file starts like a graph file (its first line is a graph header). */
int model_is_graph_file(const char *path);

/* Write the model as one graph file (sorted, see above).  0 or -1. */
int model_write(const struct model *m, FILE *out);

/* The frames of a stack (an empty array if its text does not parse, or for -1); owned by the model. */
const json_t *model_stack_frames(const struct model *m, int stack);

/* The edge from -> to, or NULL. */
struct g_edge *model_edge(const struct model *m, int from, int to);
/* "program (pid N on HOST, test T)" for an origin's process. */
void model_process_label(const struct model *m, int process, char *buf, size_t len);
/* A string member of a JSON object, or NULL. */
const char *jstr(const json_t *obj, const char *key);

#endif
