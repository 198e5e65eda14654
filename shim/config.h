/* config: coffman's settings, read once from COFFMAN_* environment variables at load.
 * Bad values produce a one-line warning naming the variable and the default is kept; unknown
 * COFFMAN_* variables are named too (a typo must not silently turn a check off). */
#ifndef COFFMAN_CONFIG_H
#define COFFMAN_CONFIG_H

#include <errno.h>
#include <math.h>
#include <stdlib.h>

enum watchdog_action { WD_EXIT, WD_ABORT, WD_REPORT };
enum report_format { FMT_TEXT, FMT_JSON };
enum on_report { ON_REPORT_CONTINUE, ON_REPORT_STOP, ON_REPORT_STOP_FATAL };

struct coffman_config {
	int exitcode;                   /* COFFMAN_EXITCODE, default 66; 0 keeps the program's status */
	double watchdog_secs;           /* COFFMAN_WATCHDOG, 0 = off */
	int watchdog_idle;              /* COFFMAN_WATCHDOG_IDLE=1: idle waits count as hangs too */
	enum watchdog_action watchdog_action;
	enum report_format format;
	const char *log_path;           /* COFFMAN_LOG, NULL = stderr */
	const char *suppressions;       /* COFFMAN_SUPPRESSIONS */
	const char *sarif;              /* COFFMAN_SARIF */
	int classes_site;               /* COFFMAN_CLASSES=site */
	int show_gated;                 /* COFFMAN_SHOW_GATED=1 */
	int held_stacks;                /* COFFMAN_HELD_STACKS=1: full stack for every held lock */
	int all_instances;              /* COFFMAN_ALL_INSTANCES=1: report every instance of a finding */
	enum on_report on_report;       /* COFFMAN_ON_REPORT: stop for a debugger after a report (debugger.h) */
	const char *graph_dir;          /* COFFMAN_GRAPH_DIR: write the lock-order graph there (graph_file.h) */
	unsigned starvation_ms;         /* COFFMAN_STARVATION=MS[,COUNT]; 0 = off */
	unsigned starvation_count;
	const char *profile;            /* COFFMAN_PROFILE: the contention profile's file (profile.h) */
};

extern struct coffman_config cfg;

/* Parse the environment; warnings go through output_warn(). */
void config_load(void);

/* The longest accepted duration: a year.  Larger values (1e308, inf) are typos, and would overflow the
 * watchdog's arithmetic on nanoseconds. */
#define CONFIG_SECONDS_MAX (86400.0 * 365)

/* Parse a number of seconds, > 0 and at most CONFIG_SECONDS_MAX; 0 on success, -1 if malformed or out
 * of range.  Inline: the launcher (a program of its own) refuses exactly what the library would. */
static inline int config_parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0 || v > CONFIG_SECONDS_MAX)
		return -1;
	*out = v;
	return 0;
}

/* COFFMAN_STARVATION: "off" (*ms = 0), or MS[,COUNT], MS in 1..3600000 and COUNT in 1..1e9.  0 on
 * success, -1 if malformed.  Inline for the launcher, like config_parse_seconds. */
static inline int config_parse_starvation(const char *s, unsigned *ms, unsigned *count)
{
	if (s[0] == 'o' && s[1] == 'f' && s[2] == 'f' && s[3] == '\0') {
		*ms = 0;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long m = strtoul(s, &end, 10);
	if (end == s || errno != 0 || m < 1 || m > 3600000 || s[0] == '-')
		return -1;
	unsigned long c = *count;
	if (*end == ',') {
		const char *cs = end + 1;
		c = strtoul(cs, &end, 10);
		if (end == cs || errno != 0 || c < 1 || c > 1000000000 || cs[0] == '-')
			return -1;
	}
	if (*end != '\0')
		return -1;
	*ms = (unsigned)m;
	*count = (unsigned)c;
	return 0;
}

#endif
