/* debugger: stop for gdb after a report (debugger.h). */
#include "debugger.h"
#include "config.h"
#include "output.h"

#include "elf_symbols.h"
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef COFFMAN_PKGDATADIR
#define COFFMAN_PKGDATADIR "/usr/local/share/coffman"
#endif

#define GDB_SCRIPT "coffman-gdb.py"

/* The gdb script that goes with this library: the build tree's when this library is a build tree's
 * (.libs/libcoffman.so, the script in gdb/ beside it), else the installed one; "" if neither. */
static void find_gdb_script(char *out, size_t len)
{
	struct elf_addr_info info;      /* not dladdr: it takes the loader's lock, and this runs in a report */
	out[0] = '\0';
	if (elf_addr_lookup((uintptr_t)&find_gdb_script, &info) && info.path[0]) {
		const char *slash = strrchr(info.path, '/');
		if (slash && slash - info.path >= 6 && strncmp(slash - 6, "/.libs", 6) == 0) {
			snprintf(out, len, "%.*s/gdb/" GDB_SCRIPT, (int)(slash - 6 - info.path), info.path);
			if (access(out, R_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "%s/" GDB_SCRIPT, COFFMAN_PKGDATADIR);
	if (access(out, R_OK) != 0)
		out[0] = '\0';
}

static void announce_stop(int pid)
{
	char script[PATH_MAX + 64], attach[PATH_MAX + 128];
	find_gdb_script(script, sizeof script);
	if (script[0])
		snprintf(attach, sizeof attach, "gdb -p %d -x %s", pid, script);
	else
		snprintf(attach, sizeof attach, "gdb -p %d", pid);
	struct outbuf ob;
	ob_init(&ob);
	if (cfg.format == FMT_JSON) {
		ob_printf(&ob, "{\"coffman\":1,\"pid\":%d,\"kind\":\"stopped\",\"attach\":", pid);
		ob_json_string(&ob, attach);
		ob_printf(&ob, ",\"resume\":\"kill -CONT %d\"}\n", pid);
	} else {
		ob_line(&ob, "coffman: stopped for a debugger (COFFMAN_ON_REPORT): %s", attach);
		ob_line(&ob, "  %sthen `kill -CONT %d` lets the process go on", script[0] ?
			"in gdb, coffman-threads shows coffman's threads, held locks and waits; " : "", pid);
	}
	output_write(&ob);
	ob_free(&ob);
}

void debugger_after_report(int fatal)
{
	/* `stop` stops once per report, as it is written (a fatal one then ends when let go);
	 * `stop-fatal` only where the checker is about to end the process. */
	int wanted = fatal ? cfg.on_report == ON_REPORT_STOP_FATAL : cfg.on_report == ON_REPORT_STOP;
	if (!wanted)
		return;
	int pid = (int)getpid();
	/* Under Yama's ptrace_scope=1 only an ancestor may attach: let the developer's gdb in. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	announce_stop(pid);
	syscall(SYS_kill, pid, SIGSTOP);        /* the whole process, until SIGCONT */
}
