/* config: coffman's settings, read once from COFFMAN_* environment variables at load.
 * Bad values produce a one-line warning naming the variable and the default is kept; unknown
 * COFFMAN_* variables are named too (a typo must not silently turn a check off). */
#ifndef COFFMAN_CONFIG_H
#define COFFMAN_CONFIG_H

enum watchdog_action { WD_EXIT, WD_ABORT, WD_REPORT };
enum report_format { FMT_TEXT, FMT_JSON };

struct coffman_config {
	int exitcode;                   /* COFFMAN_EXITCODE, default 66; 0 keeps the program's status */
	double watchdog_secs;           /* COFFMAN_WATCHDOG, 0 = off */
	enum watchdog_action watchdog_action;
	enum report_format format;
	const char *log_path;           /* COFFMAN_LOG, NULL = stderr */
	const char *suppressions;       /* COFFMAN_SUPPRESSIONS */
	const char *sarif;              /* COFFMAN_SARIF */
	int classes_site;               /* COFFMAN_CLASSES=site */
	int show_gated;                 /* COFFMAN_SHOW_GATED=1 */
	int held_stacks;                /* COFFMAN_HELD_STACKS=1: full stack for every held lock */
	int all_instances;              /* COFFMAN_ALL_INSTANCES=1: report every instance of a finding */
	const char *graph_dir;          /* COFFMAN_GRAPH_DIR: write the lock-order graph there (graph_file.h) */
};

extern struct coffman_config cfg;

/* Parse the environment; warnings go through output_warn(). */
void config_load(void);

/* Parse a positive decimal number of seconds; 0 on success, -1 if malformed or not > 0. */
int config_parse_seconds(const char *s, double *out);

#endif
