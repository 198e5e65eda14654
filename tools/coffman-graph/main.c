/* coffman-graph: one lock-order graph across many processes.
 *
 *   coffman-graph cycles [--format=text|json] [--sarif=FILE] [--suppressions=FILE] PATH...
 *   coffman-graph dot [--all] [--suppressions=FILE] PATH...
 *   coffman-graph merge -o FILE PATH...
 *   coffman-graph report -o FILE.html [--suppressions=FILE] PATH...
 *
 * PATH is a graph file or a directory of them (the *.graph.jsonl files that COFFMAN_GRAPH_DIR
 * collects); `report` also takes JSON report logs (COFFMAN_FORMAT=json), named or found in a directory.
 * Exit status: 66 when `cycles` (or `report`) finds a cycle that no rule suppresses, 0 when none, 1
 * when an input could not be read (the others are still used), 2 on a usage error.
 */
#include "cycles.h"
#include "model.h"
#include "output.h"
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define EXIT_CYCLE 66

static const char usage[] =
	"usage: coffman-graph COMMAND [OPTIONS] PATH...\n"
	"Merge the lock-order graphs that processes wrote (coffman --graph-dir=DIR) into one, by lock class.\n"
	"PATH is a graph file or a directory of them (*.graph.jsonl).\n"
	"\n"
	"Commands:\n"
	"  cycles   report every cycle of the merged graph, shortest first, as coffman reports a\n"
	"           lock-order-inversion; exit status 66 if there is one\n"
	"  dot      Graphviz DOT of the cycles (--all: of the whole graph); cycle edges in red\n"
	"  merge    write the merged graph as one graph file (-o FILE), to be merged again later\n"
	"  report   one self-contained HTML page (-o FILE): the merged cycles, each drawn, and the live\n"
	"           reports of JSON logs (COFFMAN_FORMAT=json) given as PATHs or found in their directories\n"
	"\n"
	"Options:\n"
	"  --format=text|json       cycles: the form of the reports (default text)\n"
	"  --sarif=FILE             cycles: also write them as SARIF 2.1.0 to FILE\n"
	"  --suppressions=FILE      leave out cycles that FILE's KIND:PATTERN rules match (coffman's format)\n"
	"  --all                    dot: draw every class and edge, not only the cycles\n"
	"  -o FILE, --output=FILE   merge, report: where to write (merge: '-' is standard output)\n"
	"  -h, --help               this text\n"
	"  --version                print the version\n"
	"\n"
	"Exit status: 66 if cycles/report found a cycle, 0 if not; 1 if an input could not be read;\n"
	"2 on a usage error.\n";

struct options {
	const char *command;
	int json;
	const char *sarif;
	const char *suppressions;
	int all;
	const char *output;
	char **paths;
	int npaths;
};

static void die_usage(const char *what, const char *arg)
{
	fprintf(stderr, "coffman-graph: %s%s%s\n(coffman-graph --help lists the commands and options)\n", what,
		arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static const char *value_of(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) == 0) {
		if (*i + 1 >= argc)
			die_usage("option needs a value", a);
		return argv[++*i];
	}
	return NULL;
}

static void parse(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->paths = calloc((size_t)argc, sizeof *o->paths);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("coffman-graph %s\n", PACKAGE_VERSION);
			exit(0);
		} else if ((v = value_of(argc, argv, &i, "--format"))) {
			if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
				die_usage("--format is text or json, not", v);
			o->json = strcmp(v, "json") == 0;
		} else if ((v = value_of(argc, argv, &i, "--sarif"))) {
			o->sarif = v;
		} else if ((v = value_of(argc, argv, &i, "--suppressions"))) {
			o->suppressions = v;
		} else if ((v = value_of(argc, argv, &i, "--output")) || (v = value_of(argc, argv, &i, "-o"))) {
			o->output = v;
		} else if (strcmp(a, "--all") == 0) {
			o->all = 1;
		} else if (strcmp(a, "--") == 0) {
			while (++i < argc)
				o->paths[o->npaths++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			die_usage("unknown option", a);
		} else if (!o->command) {
			o->command = a;
		} else {
			o->paths[o->npaths++] = argv[i];
		}
	}
	if (!o->command)
		die_usage("no command given", NULL);
	if (strcmp(o->command, "cycles") && strcmp(o->command, "dot") && strcmp(o->command, "merge") &&
	    strcmp(o->command, "report"))
		die_usage("unknown command", o->command);
	if (o->npaths == 0)
		die_usage("no graph file or directory given", NULL);
	if ((strcmp(o->command, "merge") == 0 || strcmp(o->command, "report") == 0) && !o->output)
		die_usage("this command needs -o FILE", o->command);
}

/* JSON report logs for `report`: named files that are not graph files, and in named directories the
 * regular files whose first line is a coffman JSON object. */
static int is_json_log(const char *path)
{
	char buf[16];
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strncmp(buf, "{\"coffman\":1", 12) == 0;
}

static int collect_logs(const struct options *o, char ***logs)
{
	int n = 0, cap = 16;
	*logs = malloc((size_t)cap * sizeof **logs);
	for (int i = 0; i < o->npaths; i++) {
		struct stat st;
		if (stat(o->paths[i], &st) != 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (is_json_log(o->paths[i]))
				(*logs)[n++] = strdup(o->paths[i]);
		} else {
			struct dirent **names;
			int k = scandir(o->paths[i], &names, NULL, alphasort);
			for (int j = 0; j < k; j++) {
				char full[4096];
				snprintf(full, sizeof full, "%s/%s", o->paths[i], names[j]->d_name);
				if (names[j]->d_name[0] != '.' && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
				    is_json_log(full)) {
					if (n == cap)
						*logs = realloc(*logs, (size_t)(cap *= 2) * sizeof **logs);
					(*logs)[n++] = strdup(full);
				}
				free(names[j]);
			}
			free(names);
		}
		if (n + 1 >= cap)
			*logs = realloc(*logs, (size_t)(cap *= 2) * sizeof **logs);
	}
	return n;
}

/* The output file, written under a temporary name and renamed: a reader never sees half of it. */
static FILE *open_output(const char *path, char *tmp, size_t len)
{
	if (strcmp(path, "-") == 0) {
		tmp[0] = '\0';
		return stdout;
	}
	snprintf(tmp, len, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "coffman-graph: cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	fchmod(fd, 0644);
	return fdopen(fd, "w");
}

static int close_output(FILE *f, const char *path, const char *tmp)
{
	if (!tmp[0])
		return fflush(f) == 0 ? 0 : -1;
	int bad = ferror(f) | fclose(f);
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "coffman-graph: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct model m;
	struct cycles c;
	char tmp[4200];
	parse(argc, argv, &o);
	if (o.suppressions && rules_load(o.suppressions) != 0)
		return 2;
	model_init(&m);
	int failed = 0;
	for (int i = 0; i < o.npaths; i++) {
		/* report: a named JSON log is an input too, not a broken graph file. */
		struct stat st;
		if (strcmp(o.command, "report") == 0 && stat(o.paths[i], &st) == 0 && !S_ISDIR(st.st_mode) &&
		    !model_is_graph_file(o.paths[i]) && is_json_log(o.paths[i]))
			continue;
		failed += model_load_path(&m, o.paths[i]);
	}
	cycles_find(&m, &c);
	int status = 0;
	if (strcmp(o.command, "cycles") == 0) {
		if (o.json)
			out_json(&m, &c, stdout);
		else
			out_text(&m, &c, stdout);
		if (o.sarif) {
			FILE *f = open_output(o.sarif, tmp, sizeof tmp);
			if (!f || out_sarif(&m, &c, f) != 0 || close_output(f, o.sarif, tmp) != 0)
				failed++;
		}
		status = c.n > c.suppressed ? EXIT_CYCLE : 0;
	} else if (strcmp(o.command, "dot") == 0) {
		out_dot(&m, &c, o.all, stdout);
	} else if (strcmp(o.command, "merge") == 0) {
		FILE *f = open_output(o.output, tmp, sizeof tmp);
		if (!f || model_write(&m, f) != 0 || close_output(f, o.output, tmp) != 0)
			failed++;
	} else {
		char **logs;
		int nlogs = collect_logs(&o, &logs);
		FILE *f = open_output(o.output, tmp, sizeof tmp);
		if (!f || out_html(&m, &c, logs, nlogs, f) != 0 || close_output(f, o.output, tmp) != 0)
			failed++;
		status = c.n > c.suppressed ? EXIT_CYCLE : 0;
		for (int i = 0; i < nlogs; i++)
			free(logs[i]);
		free(logs);
	}
	fflush(stdout);
	cycles_free(&c);
	model_free(&m);
	free(o.paths);
	if (failed && status == 0)
		status = 1;
	return status;
}
