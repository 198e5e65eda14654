/* suppress: COFFMAN_SUPPRESSIONS rules.
 * A rule is KIND:PATTERN; a report matches when its kind matches and the glob matches the function,
 * source file or object name of any frame it shows.  A matched report is neither printed nor counted
 * for the exit status (it is counted as suppressed for the summary).  The rules file must be a regular
 * file (opened without blocking, read with plain system calls at load). */
#ifndef COFFMAN_SUPPRESS_H
#define COFFMAN_SUPPRESS_H

struct report;

/* Load the rules file; a malformed line is an error naming file and line (returns -1). */
int suppress_load(const char *path);
int suppress_matches(const struct report *r);

#endif
