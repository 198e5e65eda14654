/* debugger: COFFMAN_ON_REPORT=stop|stop-fatal, the hand-over of a live process to a developer's gdb.
 *
 * After a report (every printed one with `stop`; with `stop-fatal` only the one that is about to end
 * the process: double-lock, deadlock, hang with the exit action), the process writes one line to the
 * report stream with the command that attaches gdb to it, and stops itself with SIGSTOP: every thread
 * stays where it is, the deadlocked ones in their waits.  `kill -CONT PID` (or gdb's detach) lets it go
 * on exactly as it would have: a fatal report then ends the process with the exit code.
 *
 * The one signal coffman ever raises in the host, and only when asked to.
 */
#ifndef COFFMAN_DEBUGGER_H
#define COFFMAN_DEBUGGER_H

/* fatal 0: a report was just written (report_emit); 1: the checker is about to end the process after
 * its report (report_terminate). */
void debugger_after_report(int fatal);

#endif
