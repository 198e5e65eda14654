/* output: where coffman's text goes (the text is built in an outbuf: outbuf.h).
 *
 * Reports go to COFFMAN_LOG (opened at the first write, %p = pid, so a forked child with %p gets its
 * own file) or to a private duplicate of the stderr the program started with.  The duplicate lives on a
 * high close-on-exec descriptor, so a program that closes or reuses fd 2 neither loses our reports nor
 * gets them written into one of its own files; before each write the descriptor's identity is checked
 * and a descriptor the program closed and reopened as something else is never written to.  When the
 * program closed it (a daemon closing every descriptor), the file the stderr was — a regular file or a
 * terminal — is reopened by its path, but only if it is still the very same file.
 *
 * What coffman promises the host here (README, "Files and output"):
 * - no signal: a write to a pipe whose reader is gone returns EPIPE instead of raising SIGPIPE (a
 *   SIGPIPE the program itself had pending stays pending);
 * - no blocking open: files are opened O_NONBLOCK (a FIFO with no reader is an error, not a hang);
 * - no followed link: a symbolic link as the last component of a path is followed only when it belongs
 *   to the caller (effective uid) or to root (so /dev/stderr works, a link another user planted does not);
 * - no silent loss: when the log cannot be opened or written, one warning line on stderr names the path
 *   and the reason, the reports go to stderr instead, and the summary says where they went.
 *
 * A whole report is built in memory and written with one write() so reports of several threads or
 * processes never interleave mid-report.  Every text line starts with "==PID== " and has its control
 * characters (and bytes that are not UTF-8) escaped as \xNN: names from the program (thread names,
 * symbols, paths) never reach a terminal raw.  With COFFMAN_FORMAT=json every line written, warnings
 * and the summary included, is one JSON object.
 */
#ifndef COFFMAN_OUTPUT_H
#define COFFMAN_OUTPUT_H

#include <stdarg.h>
#include <stddef.h>

/* Every descriptor coffman keeps for itself lives at or above this number (close-on-exec), so a
 * program that expects the lowest free numbers gets them (README, Safety). */
#define PRIVATE_FD_FLOOR 900
#include <sys/types.h>

#include "outbuf.h"

void output_init(void);                 /* dup stderr; call once at load */
void output_after_fork_child(void);     /* forget the parent's log file, reset the lock */
void output_lock_for_fork(void);
void output_unlock_after_fork(void);
/* Where the reports went, for the summary line: "stderr", the log path, or both with the reason. */
const char *output_destination(void);

/* Write the buffer to the report destination in one write (falling back to stderr, see above). */
void output_write(const struct outbuf *ob);

/* One-line warning: "==PID== coffman: warning: ..." (a {"kind":"warning"} object in JSON format). */
void output_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write all n bytes to fd without ever raising SIGPIPE; 0 or the errno of the failure. */
int output_write_fd(int fd, const char *p, size_t n);

/* Open path for writing without blocking and without following a symbolic link the caller does not
 * own (see above); extra_flags adds e.g. O_APPEND|O_CREAT.  The descriptor is close-on-exec and moved
 * above the program's usual range.  -1 with the reason in why on failure. */
int output_open(const char *path, int extra_flags, char *why, size_t len);

/* The descriptor a path names (/dev/stdout, /dev/fd/N, /proc/self/fd/N, or a trusted link to one of
 * them), or -1.  output_open() writes to that open file itself (a dup, sharing its offset). */
int output_descriptor_named(const char *path);

/* A symbolic link owned by owner may be followed: it is the caller's (effective uid) or root's. */
int output_link_trusted(uid_t owner);

/* A whole document (the SARIF file, the profile files) written to a path the user named, by
 * write_doc(fd, ctx) (0 or an errno).  A regular file, or none yet, is replaced as a whole: the
 * document goes to a fresh temporary beside it (O_CREAT|O_EXCL|O_NOFOLLOW) that is then renamed over
 * it, so a reader never sees half a document and a link planted at the temporary's name is never
 * followed.  A trusted symbolic link to a regular file replaces the file it points to.  Anything else
 * a path can name (a FIFO, a device such as /dev/null, /dev/stdout) is written into as it is, never
 * replaced, and only when direct_ok (a stream takes one document, not a rewrite after each
 * finding).  0 on success (or nothing to do), else -1 with the file concerned and the reason in why. */
typedef int (*output_doc_fn)(int fd, void *ctx);
int output_write_document(const char *path, int direct_ok, output_doc_fn write_doc, void *ctx, char *why,
			  size_t len);

/* pattern with every %p replaced by the pid; *had_pid (may be NULL) says whether there was one. */
void output_expand_pid(char *dst, size_t cap, const char *pattern, int *had_pid);

#endif
