/* raw_report: the last-resort writer of a fatal report.
 *
 * A signal handler can re-enter a wrapper while its thread is inside the checker's bookkeeping, holding
 * internal locks (the lock-order graph, the stack store, the symbolizer, the report writer).  If the
 * handler would then wait for ever on a lock its own thread holds, the normal pipeline cannot be used:
 * every step of it may need one of those locks.  This writer needs none: no allocation, no stdio, no
 * symbolizer (frames are "object+offset", which addr2line resolves), one write() to the report
 * destination, then _exit with the exit code.  Suppressions and the SARIF file are not consulted.
 */
#ifndef COFFMAN_RAW_REPORT_H
#define COFFMAN_RAW_REPORT_H

#include <stdint.h>
#include <sys/types.h>

struct raw_double_lock {
	int thread_num;
	pid_t tid;
	const void *lock;
	const char *kind;               /* "mutex", "spinlock", ... */
	uintptr_t pc;                   /* return address of the second acquisition */
	uintptr_t held_pc;              /* return address of the first */
};

/* Write a double-lock report (text or JSON, as configured) and end the process. */
void raw_report_double_lock(const struct raw_double_lock *d) __attribute__((noreturn));

#endif
