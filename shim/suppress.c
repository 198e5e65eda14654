/* Suppressions (COFFMAN_SUPPRESSIONS).
 *
 * Rules file: one rule a line, KIND:PATTERN.  KIND is a report kind or "*"; PATTERN is an fnmatch(3)
 * glob (no flags: "*" also matches "/") tried against the function name, the source file (as recorded,
 * and its basename) and the object (executable or library basename) of every frame the report shows
 * for an acquisition, a held lock, a blocked thread, an extra stack or a lock's creation site.  Thread
 * creation stacks are not matched: a rule naming the function that starts the workers would otherwise
 * hide every report between them.  Blank lines and lines starting with '#' are ignored; whitespace
 * around the line, the kind and the pattern is trimmed; the pattern is everything after the first ':'
 * (so "ns::f" works), and a C++ name matches with or without its parameter list.  Any malformed line makes the whole file an error and no rule is used, as does a
 * file that is not a regular file of at most SUPPRESS_MAX_FILE bytes.
 */
#include "suppress.h"
#include "output.h"
#include "report.h"
#include "symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- suppressions */

#define SUPPRESS_MAX_RULES 1024
#define SUPPRESS_MAX_LINE 4096
#define SUPPRESS_MAX_FILE (1 << 20)

struct rule {
	int kind;                       /* enum report_kind, or -1 for "*" */
	char *pattern;
};

static struct rule rules[SUPPRESS_MAX_RULES];
static int nrules;

static void rules_free(void)
{
	for (int i = 0; i < nrules; i++)
		free(rules[i].pattern);
	nrules = 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trim s in place; returns the first non-blank character. */
static char *trim(char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int kind_from_name(const char *name)
{
	if (strcmp(name, "*") == 0)
		return -1;
	for (int k = 0; k < RK_KIND_COUNT; k++)
		if (strcmp(name, report_kind_name((enum report_kind)k)) == 0)
			return k;
	return -2;
}

/* Parse one line; 0 ok (a rule added or nothing to add), -1 with the reason in why. */
static int parse_line(char *line, char *why, size_t len)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return 0;
	char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(why, len, "expected KIND:PATTERN, found no ':'");
		return -1;
	}
	*colon = '\0';
	char *kind = trim(s);
	char *pattern = trim(colon + 1);
	int k = kind_from_name(kind);
	if (k == -2) {
		snprintf(why, len, "unknown kind '%.64s' (expected lock-order-inversion, double-lock, bad-unlock, "
			 "destroy-locked, deadlock, hang, exit-holding, cond-misuse, use-after-destroy, reinit-live, "
			 "starvation, livelock or '*')", kind);
		return -1;
	}
	if (!*pattern) {
		snprintf(why, len, "empty pattern");
		return -1;
	}
	if (nrules == SUPPRESS_MAX_RULES) {
		snprintf(why, len, "too many rules (the limit is %d)", SUPPRESS_MAX_RULES);
		return -1;
	}
	char *copy = strdup(pattern);
	if (!copy) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	rules[nrules].kind = k;
	rules[nrules].pattern = copy;
	nrules++;
	return 0;
}

/* The whole rules file in memory, NUL-terminated, read with plain system calls.  Opened non-blocking
 * and accepted only as a regular file of sane size: a FIFO, /dev/zero or a terminal named by mistake
 * must not stall the program's start (this runs in the library constructor, before main). */
static char *read_rules_file(const char *path, size_t *size, char *why, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return NULL;
	}
	why[0] = '\0';
	if (fstat(fd, &st) != 0)
		snprintf(why, len, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "not a regular file");
	else if (st.st_size > SUPPRESS_MAX_FILE)
		snprintf(why, len, "larger than %d bytes", SUPPRESS_MAX_FILE);
	if (why[0]) {
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)st.st_size, got = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		snprintf(why, len, "out of memory");
		close(fd);
		return NULL;
	}
	while (got < cap) {             /* a file that grows meanwhile is read as far as it was */
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, len, "%s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*size = got;
	return buf;
}

int suppress_load(const char *path)
{
	char why[320] = "";
	size_t size;
	rules_free();
	char *text = read_rules_file(path, &size, why, sizeof why);
	if (!text) {
		output_warn("COFFMAN_SUPPRESSIONS: cannot read %s: %s; no suppressions are used", path, why);
		return -1;
	}
	int lineno = 0, ok = 1;
	if (memchr(text, '\0', size)) {
		snprintf(why, sizeof why, "a NUL byte (not a text file)");
		ok = 0;
	}
	for (char *line = text; ok && line < text + size;) {
		char *end = memchr(line, '\n', (size_t)(text + size - line));
		char *next = end ? end + 1 : text + size;
		if (end)
			*end = '\0';
		lineno++;
		if (strlen(line) > SUPPRESS_MAX_LINE - 2) {
			snprintf(why, sizeof why, "line too long (more than %d bytes)", SUPPRESS_MAX_LINE - 2);
			ok = 0;
		} else if (parse_line(line, why, sizeof why) != 0) {
			ok = 0;
		}
		line = next;
	}
	free(text);
	if (!ok) {
		output_warn("COFFMAN_SUPPRESSIONS: %s:%d: %s; no suppressions are used", path, lineno, why);
		rules_free();
		return -1;
	}
	return 0;
}

static int rule_applies(const struct rule *rule, enum report_kind kind)
{
	return rule->kind == -1 || rule->kind == (int)kind;
}

struct match_ctx {
	enum report_kind kind;
};

static int glob_matches(const char *pattern, const char *s)
{
	return s[0] && fnmatch(pattern, s, 0) == 0;
}

/* A C++ function's name comes with its parameter list ("shop::Ledger::post()", "os::f(int)"): the
 * rule "shop::Ledger::post" names it too, as a reader of the report would expect.  The name up to
 * its first '(' (not at the start), into bare; "" if it has none. */
static void name_without_parameters(const char *func, char *bare, size_t cap)
{
	const char *paren = strchr(func, '(');
	size_t n = paren && paren != func ? (size_t)(paren - func) : 0;
	if (n >= cap)
		n = 0;
	memcpy(bare, func, n);
	bare[n] = '\0';
}

static int match_frame(const struct frame_info *f, void *arg)
{
	const struct match_ctx *m = arg;
	const char *slash = strrchr(f->file, '/');
	char bare[sizeof f->func];
	name_without_parameters(f->func, bare, sizeof bare);
	for (int i = 0; i < nrules; i++) {
		const char *p = rules[i].pattern;
		if (!rule_applies(&rules[i], m->kind))
			continue;
		if (glob_matches(p, f->func) || glob_matches(p, bare) || glob_matches(p, f->file) ||
		    glob_matches(p, f->object) || (slash && glob_matches(p, slash + 1)))
			return 1;
	}
	return 0;
}

int suppress_matches(const struct report *r)
{
	int any = 0;
	for (int i = 0; i < nrules && !any; i++)
		any = rule_applies(&rules[i], r->kind);
	if (!any)
		return 0;               /* no symbolization when no rule can apply */
	struct match_ctx m = { r->kind };
	int nedges = r->nedges < REPORT_MAX_EDGES ? r->nedges : REPORT_MAX_EDGES;
	int nwaits = r->nwaits < REPORT_MAX_THREADS ? r->nwaits : REPORT_MAX_THREADS;
	int nstacks = r->nstacks < REPORT_MAX_STACKS ? r->nstacks : REPORT_MAX_STACKS;
	int nlocks = r->nlocks < REPORT_MAX_LOCKS ? r->nlocks : REPORT_MAX_LOCKS;
	for (int i = 0; i < nedges; i++) {
		if (report_walk_stack(r->edges[i].acquire_stack, 0, match_frame, &m) ||
		    report_walk_stack(r->edges[i].held_stack, r->edges[i].held_pc, match_frame, &m))
			return 1;
	}
	for (int i = 0; i < nwaits; i++)
		if (report_walk_stack(r->waits[i].stack, 0, match_frame, &m))
			return 1;
	for (int i = 0; i < nstacks; i++)
		if (report_walk_stack(r->stacks[i].stack, r->stacks[i].pc, match_frame, &m))
			return 1;
	for (int i = 0; i < nlocks; i++)
		if (r->locks[i].create_pc && report_walk_stack(0, r->locks[i].create_pc, match_frame, &m))
			return 1;
	return 0;
}
