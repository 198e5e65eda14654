#!/bin/sh
# A process whose seccomp filter traps newfstatat and sched_getaffinity (SECCOMP_RET_TRAP) and whose
# SIGSYS handler emulates them, as Chromium's renderers do, while threads make the trapped call in a
# loop and a lock wait passes the watchdog's limit (action report): the watchdog writes its report and
# samples the holder, which keeps making the trapped call.  The watchdog thread and the sampling
# signal's handler must not block SIGSYS: a trapped call made with SIGSYS blocked (the watchdog's
# fstat, while symbolizing or writing the report) makes the kernel reset the program's handler to the
# default, and the next trapped call killed the process (before: "Bad system call", status 159; in a
# sandboxed Chromium renderer, pid 1 of its namespace, the call returned its own number, and glibc's
# memset ran past V8's CPU set: SIGSEGV).
# Expected: one hang report naming the holder's current stack, every call's answer right, status 66.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/api_wdseccomp.c"
WAIT=$(line_of "$SRC" 'pthread_mutex_lock(&held); /* waiter: waits 2.5 s */')

"$PROGS/api_wdseccomp" > "$WORK/native.out" 2>&1
case $? in
0) ;;
77) echo "skipped: $(cat "$WORK/native.out")"; exit 77 ;;
*) echo "skipped: no seccomp filter here: $(cat "$WORK/native.out")"; exit 77 ;;
esac

for round in 1 2; do
	echo "---- round $round: --watchdog=1 --watchdog-action=report"
	run --watchdog=1 --watchdog-action=report -- "$PROGS/api_wdseccomp"
	expect_status 66
	expect_out '^api_wdseccomp: [1-9][0-9]* calls, [0-9]+ emulated, [0-9]+ refused, 0 wrong$'
	expect_kind hang
	expect_count hang 1
	expect_log "L1 'held': mutex at" "lock named held"
	expect_log "#0 0x[0-9a-f]+ waiter .*api_wdseccomp\.c:$WAIT \(api_wdseccomp\)" "the waiter blocked at api_wdseccomp.c:$WAIT"
	expect_log "T[0-9]+, which holds L1, $HOLDER_NOW_RE" "the holder's stack was sampled"
done
finish
