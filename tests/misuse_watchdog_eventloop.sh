#!/bin/sh
# The watchdog and a main thread that runs an event loop.  Main and two pool workers wait for their next
# task in one function, holding nothing; the next task comes 2.5 s later.  Under --watchdog=1 main's
# wait is idle like the workers' (it waits where they wait): no report, exit 0.  Chromium's GPU
# process, network service and renderers wait so, and the watchdog's default action used to end them
# (the browser then aborted: "GPU process isn't usable").  Main waiting in a wait of its own, for a
# result, still counts: a hang, exit 66, the note saying it counts as the main thread.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/watchdog_eventloop.c"
RESULT=$(line_of "$SRC" '/* eventloop: main waits for a result */')

echo "---- loop: main waits where the idle workers wait"
run --watchdog=1 -- "$PROGS/watchdog_eventloop" loop
expect_no_report
expect_status 0
expect_out '^watchdog_eventloop: loop done$'

echo "---- result: main waits for a result, in a wait of its own"
run --watchdog=1 -- "$PROGS/watchdog_eventloop" result
expect_kind hang
expect_status 66
expect_log "coffman: hang: T1 has been blocked for [0-9.]+ s in a condition wait$" "hang: T1 in a condition wait"
expect_log "it counts: T1 is the main thread, which the end of the process waits for" "the note: T1 is the main thread"
expect_log "#0 0x[0-9a-f]+ wait_result .*watchdog_eventloop\.c:$RESULT \(watchdog_eventloop\)" "main at wait_result:$RESULT"
expect_faster_than 2.4

echo "---- loop, --watchdog-idle: every wait counts"
run --watchdog=1 --watchdog-idle -- "$PROGS/watchdog_eventloop" loop
expect_kind hang
expect_status 66
finish
