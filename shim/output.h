/* output: where coffman's text goes, and the line builder every writer uses.
 *
 * Reports go to COFFMAN_LOG (opened at the first report, %p = pid, so a forked child with %p gets its
 * own file) or to a private duplicate of the stderr the program started with.  The duplicate lives on a
 * high close-on-exec descriptor, so a program that closes or reuses fd 2 neither loses our reports nor
 * gets them written into one of its own files; before each write the descriptor's identity is checked
 * and a descriptor the program closed and reopened as something else is never written to.
 *
 * A whole report is built in memory and written with one write() so reports of several threads or
 * processes never interleave mid-report.  Every line starts with "==PID== ".
 */
#ifndef COFFMAN_OUTPUT_H
#define COFFMAN_OUTPUT_H

#include <stdarg.h>
#include <stddef.h>

struct outbuf {
	char *data;
	size_t len, cap;
	int failed;             /* allocation failed: keep what fits */
};

void output_init(void);                 /* dup stderr; call once at load */
void output_after_fork_child(void);     /* forget the parent's log file */
const char *output_destination(void);   /* "stderr" or the log path, for the summary line */

void ob_init(struct outbuf *ob);
void ob_free(struct outbuf *ob);
/* Append raw text / a formatted fragment (no prefix, no newline). */
void ob_puts(struct outbuf *ob, const char *s);
void ob_printf(struct outbuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append one full line: "==PID== " + formatted text + "\n". */
void ob_line(struct outbuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write the buffer to the report destination in one write. */
void output_write(const struct outbuf *ob);

/* One-line warning: "==PID== coffman: warning: ...". */
void output_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
