/* output: the forms of coffman-graph's findings.  Each writer reads the model and the cycles only.
 *   text   the layout of a live lock-order-inversion report (README, "Reading a report"), without the
 *          "==PID== " prefix: header line, note, cycle, locks, one block per edge with both stacks
 *          and the process that made it, then the processes
 *   json   one object per cycle per line, the live report's fields plus "found" and "processes",
 *          then a summary object
 *   sarif  one SARIF 2.1.0 document, one result per cycle
 *   dot    Graphviz: the cycles (or the whole graph), cycle edges highlighted
 *   html   one self-contained page: live reports from JSON logs and the merged cycles, each drawn */
#ifndef COFFMAN_GRAPH_OUTPUT_H
#define COFFMAN_GRAPH_OUTPUT_H

#include <stdio.h>

#include "cycles.h"

void out_text(const struct model *m, const struct cycles *c, FILE *f);
void out_json(const struct model *m, const struct cycles *c, FILE *f);
int out_sarif(const struct model *m, const struct cycles *c, FILE *f);
void out_dot(const struct model *m, const struct cycles *c, int all, FILE *f);
/* The cycle's own picture (its classes and edges only), for the HTML page. */
void out_dot_cycle(const struct model *m, const struct cycle *cy, FILE *f);
/* logs: JSON report logs (COFFMAN_FORMAT=json) whose reports the page lists too. */
int out_html(const struct model *m, const struct cycles *c, char *const *logs, int nlogs, FILE *f);

/* The JSON object of one cycle (what out_json writes on a line). */
json_t *cycle_json(const struct model *m, const struct cycle *cy);

#endif
