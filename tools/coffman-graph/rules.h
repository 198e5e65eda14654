/* rules: suppressions for merged cycles, in the rules file format of a live run (shim/suppress.c,
 * COFFMAN_SUPPRESSIONS): one KIND:PATTERN a line, '#' comments, PATTERN an fnmatch(3) glob against the
 * function, the source file (as recorded, and its basename) and the object of any frame.  A merged
 * cycle is a lock-order-inversion: rules of that kind and '*' apply; rules of any other kind are
 * accepted and ignored, so one file serves both.  A malformed line makes the whole file an error. */
#ifndef COFFMAN_GRAPH_RULES_H
#define COFFMAN_GRAPH_RULES_H

#include <jansson.h>

/* 0, or -1 with a message on stderr. */
int rules_load(const char *path);
/* 1 if a rule matches the frame (a frame object of the graph file). */
int rules_match_frame(const json_t *frame);
int rules_any(void);

#endif
