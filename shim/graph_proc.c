/* The process identity written into the graph file (graph_proc.h). */
#include "graph_proc.h"
#include "graph_objects.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define ARGS_KEPT 16
#define ARG_MAX_KEPT 256

static char *args[ARGS_KEPT];
static int nargs, args_cut;
static char test_from_env[256], pytest_test[256];
static uint64_t start_realtime_ns;

/* glibc hands a preloaded library's constructors the program's arguments: copy a bounded few. */
__attribute__((constructor(103))) static void graph_proc_args(int argc, char **argv, char **envp)
{
	(void)envp;
	for (int i = 0; argv && i < argc && argv[i]; i++) {
		if (nargs == ARGS_KEPT) {
			args_cut = 1;
			break;
		}
		args[nargs] = strndup(argv[i], ARG_MAX_KEPT);
		if (args[nargs])
			nargs++;
	}
	const char *t = getenv("COFFMAN_GRAPH_TEST");
	if (t && *t)
		snprintf(test_from_env, sizeof test_from_env, "%s", t);
	t = getenv("PYTEST_CURRENT_TEST");
	if (t && *t)
		snprintf(pytest_test, sizeof pytest_test, "%s", t);
	graph_proc_started();
}

uint64_t graph_proc_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void graph_proc_started(void)
{
	start_realtime_ns = graph_proc_realtime_ns();
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

void graph_proc_utc(char *buf, size_t len, uint64_t ns)
{
	int64_t secs = (int64_t)(ns / 1000000000ull);
	int y;
	unsigned m, d, sod = (unsigned)(secs % 86400);
	civil_from_days(secs / 86400, &y, &m, &d);
	snprintf(buf, len, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
		 (unsigned)(ns / 1000000 % 1000));
}

/* A small /proc file into buf (NUL-terminated); its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got + 1 < cap) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_small(path, stat, sizeof stat) <= 0)
		return 0;
	const char *p = strrchr(stat, ')');        /* the command name may hold spaces and parentheses */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return 0;
	int ppid = 0;
	for (p += 4; *p >= '0' && *p <= '9'; p++)       /* ") S PPID ..." */
		ppid = ppid * 10 + (*p - '0');
	return ppid;
}

/* The test this process runs for: COFFMAN_GRAPH_TEST, else the test name Automake's test driver was
 * given (an ancestor's "test-driver --test-name NAME"), else pytest's current test. */
static int find_test(char *buf, size_t len)
{
	char cmdline[4096], path[64];
	if (test_from_env[0]) {
		snprintf(buf, len, "%s", test_from_env);
		return 1;
	}
	pid_t pid = getppid();
	for (int depth = 0; depth < 12 && pid > 1; depth++) {
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
		ssize_t n = read_small(path, cmdline, sizeof cmdline);
		for (ssize_t i = 0; i < n;) {
			const char *arg = cmdline + i;
			size_t k = strlen(arg);
			if (strcmp(arg, "--test-name") == 0 && i + (ssize_t)k + 1 < n) {
				snprintf(buf, len, "%s", arg + k + 1);
				return 1;
			}
			i += (ssize_t)k + 1;
		}
		pid = parent_of(pid);
	}
	if (pytest_test[0]) {
		snprintf(buf, len, "%s", pytest_test);
		return 1;
	}
	return 0;
}

void graph_proc_json(struct outbuf *ob, const char *reason, const struct graph_objects *objects)
{
	char when[40], test[512];
	struct utsname u;
	const struct graph_object *main_obj = objects ? graph_objects_main(objects) : NULL;
	ob_puts(ob, "\"program\":");
	ob_json_string(ob, main_obj && main_obj->path[0] ? main_obj->path : nargs ? args[0] : NULL);
	ob_puts(ob, ",\"argv\":[");
	for (int i = 0; i < nargs; i++) {
		ob_puts(ob, i ? "," : "");
		ob_json_string(ob, args[i]);
	}
	ob_printf(ob, "],\"argv_cut\":%s,\"build_id\":", args_cut ? "true" : "false");
	ob_json_string(ob, main_obj && main_obj->build_id[0] ? main_obj->build_id : NULL);
	ob_printf(ob, ",\"pid\":%d,\"ppid\":%d,\"host\":", (int)getpid(), (int)getppid());
	ob_json_string(ob, uname(&u) == 0 ? u.nodename : NULL);
	ob_puts(ob, ",\"test\":");
	ob_json_string(ob, find_test(test, sizeof test) ? test : NULL);
	graph_proc_utc(when, sizeof when, start_realtime_ns);
	ob_puts(ob, ",\"started\":");
	ob_json_string(ob, when);
	graph_proc_utc(when, sizeof when, graph_proc_realtime_ns());
	ob_puts(ob, ",\"written\":");
	ob_json_string(ob, when);
	ob_puts(ob, ",\"reason\":");
	ob_json_string(ob, reason);
}

static void sanitized(char *dst, size_t cap, const char *src, size_t max)
{
	size_t o = 0;
	for (; src && *src && o < max && o + 1 < cap; src++) {
		char c = *src;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			 c == '_' || (c == '.' && o > 0);
		dst[o++] = ok ? c : '_';
	}
	if (o == 0 && cap > 1)
		dst[o++] = '_';
	dst[o] = '\0';
}

void graph_proc_file_name(char *buf, size_t len)
{
	char prog[64], host[64];
	struct utsname u;
	const char *base = nargs ? strrchr(args[0], '/') : NULL;
	sanitized(prog, sizeof prog, base ? base + 1 : nargs ? args[0] : "process", 40);
	sanitized(host, sizeof host, uname(&u) == 0 ? u.nodename : "host", 40);
	snprintf(buf, len, "%s.%s.%d.%llx.graph.jsonl", prog, host, (int)getpid(),
		 (unsigned long long)start_realtime_ns);
}
