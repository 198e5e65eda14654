#!/bin/sh
# The watchdog never leaves a signal pending in a thread that blocks it.  Every thread of
# tests/progs/api_wdsigblock.c blocks every signal and reads its own (sigtimedwait; a signalfd event
# loop is the same); under --watchdog=1 --watchdog-action=report the hang report asked the lock's
# holder for its stack with a real-time signal it blocked, and the holder's own reading got it later
# (0526b42: "holder got signal 62").  Now the holder is not asked, and the report says why.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/api_wdsigblock.c"
WAIT=$(line_of "$SRC" '/* sigblock: the waiter blocks on L */')

run --watchdog=1 --watchdog-action=report -- "$PROGS/api_wdsigblock"
expect_kind hang
expect_status 66
expect_out '^api_wdsigblock: no stray signal$'
expect_no_log 'got signal'
expect_log "coffman: hang: T3 has been blocked for [0-9.]+ s on L1 \(mutex\), held by T2 \(tid [0-9]+\)$" "the hang: T3 on L1, held by T2"
expect_log "#0 0x[0-9a-f]+ waiter .*api_wdsigblock\.c:$WAIT \(api_wdsigblock\)" "the waiter at api_wdsigblock.c:$WAIT"
expect_log "T2, which holds L1, blocks signals: where it is now is not known" "the holder: why its stack is not shown"
finish
