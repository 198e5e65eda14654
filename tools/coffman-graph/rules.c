/* Suppression rules for coffman-graph (rules.h). */
#include "rules.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 1024

static char *patterns[MAX_RULES];
static int npatterns;

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* A kind is "*" or a report kind's shape (lower-case words joined by '-'). */
static int kind_like(const char *k)
{
	if (strcmp(k, "*") == 0)
		return 1;
	if (!*k)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
			return 0;
	return 1;
}

int rules_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		const char *why = NULL;
		if (!colon) {
			why = "expected KIND:PATTERN, found no ':'";
		} else {
			*colon = '\0';
			char *kind = trim(s), *pattern = trim(colon + 1);
			if (!kind_like(kind))
				why = "not a report kind";
			else if (!*pattern)
				why = "empty pattern";
			else if (npatterns == MAX_RULES)
				why = "too many rules";
			else if (strcmp(kind, "*") == 0 || strcmp(kind, "lock-order-inversion") == 0)
				patterns[npatterns++] = strdup(pattern);
		}
		if (why) {
			fprintf(stderr, "coffman-graph: %s:%d: %s\n", path, lineno, why);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int rules_any(void)
{
	return npatterns > 0;
}

static int glob(const char *pattern, const char *s)
{
	return s && s[0] && fnmatch(pattern, s, 0) == 0;
}

int rules_match_frame(const json_t *frame)
{
	const char *func = json_string_value(json_object_get(frame, "function"));
	const char *file = json_string_value(json_object_get(frame, "file"));
	const char *object = json_string_value(json_object_get(frame, "object"));
	const char *base = file ? strrchr(file, '/') : NULL;
	for (int i = 0; i < npatterns; i++)
		if (glob(patterns[i], func) || glob(patterns[i], file) || glob(patterns[i], object) ||
		    (base && glob(patterns[i], base + 1)))
			return 1;
	return 0;
}
