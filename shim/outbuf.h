/* outbuf: the text of a report, a warning or a SARIF document, built in memory before it is written
 * (output.h) in one write(), so reports of several threads or processes never interleave.
 *
 * The buffer grows in coffman's own memory (mem.h); when an allocation fails it keeps what fits and
 * says so in `failed`.  ob_line() is the only way a text report line is made: it prefixes "==PID== " and
 * escapes, as \xNN, control characters (C0, DEL, C1) and bytes that are not UTF-8, so names taken from
 * the program (thread names, symbols, paths) never reach a terminal raw.  ob_json_string() makes JSON
 * string literals that are valid whatever the bytes.  No descriptor, no lock: callers own their buffer.
 */
#ifndef COFFMAN_OUTBUF_H
#define COFFMAN_OUTBUF_H

#include <stdarg.h>
#include <stddef.h>

struct outbuf {
	char *data;
	size_t len, cap;
	int failed;             /* allocation failed: keep what fits */
};

void ob_init(struct outbuf *ob);
void ob_free(struct outbuf *ob);
/* Append raw text / a formatted fragment (no prefix, no newline, no escaping). */
void ob_puts(struct outbuf *ob, const char *s);
void ob_write(struct outbuf *ob, const char *s, size_t n);
void ob_printf(struct outbuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append one full text line: "==PID== " + formatted text (control characters escaped) + "\n". */
void ob_line(struct outbuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quoted; ", \, control characters — C1 included — escaped; bytes
 * that are not valid UTF-8 escaped as \u00XX so the output is always valid JSON).  NULL appends null. */
void ob_json_string(struct outbuf *ob, const char *s);
/* ob_printf with a va_list. */
void ob_vprintf(struct outbuf *ob, const char *fmt, va_list ap);

#endif
