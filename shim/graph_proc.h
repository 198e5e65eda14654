/* graph_proc: who this process is, as the graph file records it — program, arguments, pid, host,
 * the test it runs for, when it started and when the file was written — and the file's name.
 * Everything is read with plain system calls (exit paths, signal handlers): no stdio, no locale, no
 * time-zone lock. */
#ifndef COFFMAN_GRAPH_PROC_H
#define COFFMAN_GRAPH_PROC_H

#include <stdint.h>

#include "output.h"

struct graph_objects;

/* Remember when this process (image) started: at load, and again in a fork child. */
void graph_proc_started(void);

/* The "process" line's fields (without braces): "program":...,"argv":[...],..., "reason":REASON. */
void graph_proc_json(struct outbuf *ob, const char *reason, const struct graph_objects *objects);

/* PROGRAM.HOST.PID.START.graph.jsonl, with every byte outside [A-Za-z0-9._-] replaced by '_'. */
void graph_proc_file_name(char *buf, size_t len);

/* UTC wall-clock time in ISO 8601 ("2026-11-27T10:11:12.345Z"). */
void graph_proc_utc(char *buf, size_t len, uint64_t realtime_ns);
uint64_t graph_proc_realtime_ns(void);

#endif
