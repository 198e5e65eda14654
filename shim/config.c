/* Reading COFFMAN_* at load into `cfg` (config.h): one loader per setting, each warning about a bad
 * value and keeping the default, and a pass over the environment that names unknown COFFMAN_*
 * variables.  The list of known variables here is the one the manual page and README must match
 * (tests/package_options.sh). */
#include "config.h"
#include "mem.h"
#include "output.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct coffman_config cfg = {
	.exitcode = 66,
	.watchdog_action = WD_EXIT,
	.format = FMT_TEXT,
	.starvation_ms = 100,
	.starvation_count = 100,
};

extern char **environ;

static const char *const known_vars[] = {
	"COFFMAN_EXITCODE", "COFFMAN_WATCHDOG", "COFFMAN_WATCHDOG_ACTION", "COFFMAN_WATCHDOG_IDLE", "COFFMAN_FORMAT",
	"COFFMAN_LOG", "COFFMAN_SUPPRESSIONS", "COFFMAN_SARIF", "COFFMAN_CLASSES",
	"COFFMAN_SHOW_GATED", "COFFMAN_HELD_STACKS", "COFFMAN_ALL_INSTANCES", "COFFMAN_LIB",
	"COFFMAN_ON_REPORT", "COFFMAN_GRAPH_DIR", "COFFMAN_GRAPH_TEST", "COFFMAN_STARVATION", "COFFMAN_PROFILE",
	"COFFMAN_UNWIND_CHECK", "COFFMAN_SYMTAB_CHECK", "COFFMAN_HUGEPAGES", NULL
};

static void load_exitcode(void)
{
	const char *s = getenv("COFFMAN_EXITCODE");
	if (!s)
		return;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 255) {
		output_warn("COFFMAN_EXITCODE=%s is not a number from 0 to 255; using %d", s, cfg.exitcode);
		return;
	}
	cfg.exitcode = (int)v;
}

static void load_watchdog(void)
{
	const char *s = getenv("COFFMAN_WATCHDOG");
	if (s && config_parse_seconds(s, &cfg.watchdog_secs) != 0) {
		output_warn("COFFMAN_WATCHDOG=%s is not a number of seconds above 0 and at most %.0f (a year); "
			    "the watchdog stays off", s, CONFIG_SECONDS_MAX);
		cfg.watchdog_secs = 0;
	}
	const char *a = getenv("COFFMAN_WATCHDOG_ACTION");
	if (!a)
		return;
	if (strcmp(a, "exit") == 0)
		cfg.watchdog_action = WD_EXIT;
	else if (strcmp(a, "abort") == 0)
		cfg.watchdog_action = WD_ABORT;
	else if (strcmp(a, "report") == 0)
		cfg.watchdog_action = WD_REPORT;
	else
		output_warn("COFFMAN_WATCHDOG_ACTION=%s is not one of exit, abort, report; using exit", a);
}

static void load_on_report(void)
{
	const char *s = getenv("COFFMAN_ON_REPORT");
	if (!s)
		return;
	if (strcmp(s, "continue") == 0)
		cfg.on_report = ON_REPORT_CONTINUE;
	else if (strcmp(s, "stop") == 0)
		cfg.on_report = ON_REPORT_STOP;
	else if (strcmp(s, "stop-fatal") == 0)
		cfg.on_report = ON_REPORT_STOP_FATAL;
	else
		output_warn("COFFMAN_ON_REPORT=%s is not one of continue, stop, stop-fatal; using continue", s);
}

static void load_format(void)
{
	const char *s = getenv("COFFMAN_FORMAT");
	if (!s)
		return;
	if (strcmp(s, "text") == 0)
		cfg.format = FMT_TEXT;
	else if (strcmp(s, "json") == 0)
		cfg.format = FMT_JSON;
	else
		output_warn("COFFMAN_FORMAT=%s is not text or json; using text", s);
}

/* A 0/1 variable (also no/yes); unset or malformed (with a warning): dflt. */
static int load_flag_or(const char *name, int dflt)
{
	const char *s = getenv(name);
	if (!s)
		return dflt;
	if (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0)
		return 1;
	if (strcmp(s, "0") == 0 || strcmp(s, "no") == 0)
		return 0;
	output_warn("%s=%s is not 0 or 1; using %d", name, s, dflt);
	return dflt;
}

static int load_flag(const char *name)
{
	return load_flag_or(name, 0);
}

/* A path, copied: the environment's strings are the program's memory, and a program that sets its
 * process title (nginx, PostgreSQL, Redis, Chromium's children) writes it over them, so a pointer
 * into them named a different file, or none, by the time the log, the SARIF file or the profile was
 * written.  The copy comes from coffman's own allocator. */
static const char *load_path(const char *name)
{
	const char *s = getenv(name);
	if (s && *s == '\0') {
		output_warn("%s is set but empty; ignored", name);
		return NULL;
	}
	if (!s)
		return NULL;
	/* Relative: to the directory the process started in (the launcher passes absolute paths), not
	 * wherever the program has gone by the time it writes. */
	char cwd[PATH_MAX];
	char *copy = NULL;
	if (s[0] != '/' && getcwd(cwd, sizeof cwd)) {
		size_t n = strlen(cwd) + 1 + strlen(s) + 1;
		if ((copy = malloc(n)))
			snprintf(copy, n, "%s/%s", cwd, s);
	} else {
		copy = strdup(s);
	}
	if (!copy)
		output_warn("%s: no memory to keep the path; ignored", name);
	return copy;
}

static void warn_unknown_vars(void)
{
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, "COFFMAN_", 8) != 0)
			continue;
		size_t len = strcspn(*e, "=");
		int known = 0;
		for (const char *const *k = known_vars; *k; k++)
			if (strlen(*k) == len && strncmp(*k, *e, len) == 0)
				known = 1;
		if (!known)
			output_warn("unknown variable %.*s ignored (see coffman --help)", (int)len, *e);
	}
}

void config_load(void)
{
	/* The log and its format first: the warnings below must already go where the reports go, in the
	 * same format (a JSON log holds JSON lines only). */
	cfg.log_path = load_path("COFFMAN_LOG");
	load_format();
	load_exitcode();
	load_watchdog();
	cfg.suppressions = load_path("COFFMAN_SUPPRESSIONS");
	cfg.sarif = load_path("COFFMAN_SARIF");
	const char *classes = getenv("COFFMAN_CLASSES");
	if (classes && strcmp(classes, "site") == 0)
		cfg.classes_site = 1;
	else if (classes && strcmp(classes, "none") != 0)
		output_warn("COFFMAN_CLASSES=%s is not site or none; using none", classes);
	cfg.show_gated = load_flag("COFFMAN_SHOW_GATED");
	cfg.held_stacks = load_flag("COFFMAN_HELD_STACKS");
	cfg.all_instances = load_flag("COFFMAN_ALL_INSTANCES");
	if (!load_flag_or("COFFMAN_HUGEPAGES", 1))
		mem_hugepages_off();    /* mem.c keeps the setting: it is the one to act on it */
	load_on_report();
	cfg.watchdog_idle = load_flag("COFFMAN_WATCHDOG_IDLE");
	cfg.graph_dir = load_path("COFFMAN_GRAPH_DIR");
	cfg.profile = load_path("COFFMAN_PROFILE");
	const char *starv = getenv("COFFMAN_STARVATION");
	unsigned ms = cfg.starvation_ms, count = cfg.starvation_count;
	if (starv && config_parse_starvation(starv, &ms, &count) != 0)
		output_warn("COFFMAN_STARVATION=%s is not off or MS[,COUNT] (MS 1 to 3600000, COUNT 1 to 1000000000); "
			    "using %u,%u", starv, cfg.starvation_ms, cfg.starvation_count);
	else {
		cfg.starvation_ms = ms;
		cfg.starvation_count = count;
	}
	warn_unknown_vars();
}
