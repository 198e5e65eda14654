/* suppress: COFFMAN_SUPPRESSIONS rules, and the SARIF file written at exit.
 * A rule is KIND:PATTERN; a report matches when its kind matches and the glob matches the function,
 * source file or object name of any frame it shows.  A matched report is neither printed nor counted
 * for the exit status (it is counted as suppressed for the summary).
 *
 * Also home of the few helpers the machine-readable writers share (report_json.c and the SARIF code
 * here): walking the frames a report shows for a stack, and JSON string output. */
#ifndef COFFMAN_SUPPRESS_H
#define COFFMAN_SUPPRESS_H

#include <stdint.h>

struct report;
struct frame_info;
struct outbuf;

/* Load the rules file; a malformed line is an error naming file and line (returns -1). */
int suppress_load(const char *path);
int suppress_matches(const struct report *r);

/* SARIF: remember each emitted report, write COFFMAN_SARIF at exit. */
void sarif_record(const struct report *r);
void sarif_write_at_exit(void);

/* Append s as a JSON string literal (quoted; ", \ and control characters escaped; bytes that are not
 * valid UTF-8 escaped as \u00XX so the output is always valid JSON).  NULL appends null. */
void json_string(struct outbuf *ob, const char *s);

#endif
