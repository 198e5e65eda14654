#!/bin/sh
# The watchdog's look at a lock's holder changes nothing of the holder (tests/progs/api_wdsigblock.c,
# under --watchdog=1 --watchdog-action=report):
# - blocked: every thread blocks every signal and reads its own (sigtimedwait; a signalfd event loop
#   is the same); the holder spins; the hang report asked it for its stack with a real-time signal it blocked,
#   and the holder's own reading got it later (0526b42: "holder got signal 62").  Now the holder is
#   not asked, and the report says why.
# - sleep: the holder sleeps in nanosleep holding the lock; the signal that asked for its stack ended
#   the sleep early (0526b42: "the holder's sleep was cut short").  Now its stack is walked from
#   outside, from where /proc says the sleeping call was made (as for a holder that blocks signals and
#   sits in a call), and the report shows the holder there.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/api_wdsigblock.c"
WAIT=$(line_of "$SRC" '/* sigblock: the waiter blocks on L */')

echo "---- blocked"
run --watchdog=1 --watchdog-action=report -- "$PROGS/api_wdsigblock" blocked
expect_kind hang
expect_status 66
expect_out '^api_wdsigblock: no stray signal$'
expect_no_log 'got signal'
expect_log "coffman: hang: T[23] has been blocked for [0-9.]+ s on L1 \(mutex\), held by T[23] \(tid [0-9]+\)$" "the hang: the waiter on L1, held by the holder"
expect_log "#0 0x[0-9a-f]+ waiter .*api_wdsigblock\.c:$WAIT \(api_wdsigblock\)" "the waiter at api_wdsigblock.c:$WAIT"
expect_log "T[23], which holds L1, blocks signals: where it is now is not known" "the holder: why its stack is not shown"

echo "---- sleep"
SLEEP=$(line_of "$SRC" '/* sigblock: the holder sleeps holding L */')
run --watchdog=1 --watchdog-action=report -- "$PROGS/api_wdsigblock" sleep
expect_kind hang
expect_status 66
expect_out '^api_wdsigblock: the holder slept its 2.5 s$'
expect_log "T[23], which holds L1, waits in (clock_)?nanosleep\(\) here now \(not interrupted\):" "the holder: in nanosleep, not interrupted"
if sed -n '/which holds L1, waits in/,/^==[0-9]*== *$/p' "$LOG" | grep -E -q "#[0-9]+ 0x[0-9a-f]+ holder .*api_wdsigblock\.c:$SLEEP \(api_wdsigblock\)"; then
	pass "the holder's stack reaches holder at api_wdsigblock.c:$SLEEP"
else
	fail "the holder's stack lacks holder at api_wdsigblock.c:$SLEEP"; show
fi
finish
