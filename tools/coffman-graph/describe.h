/* describe: the words every output of coffman-graph shares — a frame in one line, a lock class's
 * label and description, a cycle's summary and note, the processes a cycle's report names — so the
 * text, JSON, SARIF, DOT and HTML forms of one cycle say the same thing. */
#ifndef COFFMAN_GRAPH_DESCRIBE_H
#define COFFMAN_GRAPH_DESCRIBE_H

#include <stdio.h>

#include "cycles.h"

/* "func file:line", "func file", or without a file "func+0xN (object+0xN)". */
void frame_site(const json_t *frame, char *buf, size_t len);
/* "func:line" (a DOT edge label), or "func" / "object+0xN" when the line is unknown. */
void frame_short(const json_t *frame, char *buf, size_t len);
/* The first frame of a stack in the program's own code (a file outside /usr/), else the first. */
const json_t *stack_program_frame(const json_t *frames);

/* "L<i+1> 'name'" for a class with a variable name, else "L<i+1>". */
void class_label(const struct model *m, int klass, int i, char *buf, size_t len);
/* A class's name for a picture: its variable, or its creation site. */
void class_short(const struct model *m, int klass, char *buf, size_t len);
/* "static mutex 'ledger_lock' in libledger.so" / "the class of mutexes initialised in f file:line". */
void class_text(const struct model *m, int klass, char *buf, size_t len);

void cycle_summary(const struct model *m, const struct cycle *c, char *buf, size_t len);
void cycle_note(const struct model *m, const struct cycle *c, char *buf, size_t len);

/* The processes one cycle's report names, numbered P1, P2, ... in the order its edges name them. */
struct cycle_procs {
	int procs[ORIGINS_KEPT * 64];
	int n;
};
void cycle_procs(const struct cycle *c, struct cycle_procs *out);
int cycle_proc_num(const struct cycle_procs *p, int process);      /* 1-based, 0 if absent */

/* Write s with control characters and bytes that are not UTF-8 escaped as \xNN (file content is not
 * trusted to be terminal-safe). */
void put_text(FILE *f, const char *s);

#endif
