#!/bin/sh
# Condition variables: a producer/consumer with pthread_cond_wait, pthread_cond_timedwait and
# pthread_cond_clockwait (many of the waits time out) is clean: no report at all (in particular no false
# bad-unlock after a wait); a wait with a mutex the thread does not hold is a cond-misuse.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_cond.c"
WAIT=$(line_of "$SRC" 'int rc = pthread_cond_timedwait(&lonely_cond, &unheld_mutex, &ts); /* wait: mutex not held */')

echo "---- producer/consumer"
run -- "$PROGS/api_cond" prodcons
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_cond: sum=4501500$'
expect_out '^api_cond: final timedwait ETIMEDOUT$'

echo "---- waiting with a mutex not held"
run -- "$PROGS/api_cond" notheld
expect_kind cond-misuse
expect_count cond-misuse 1
expect_count bad-unlock 0
expect_status 66
expect_log "coffman: cond-misuse: T1 waits on L1 \(condition variable\) with L2 \(mutex\) that is not locked" "summary: T1 waits with L2 not locked"
expect_log "L2 'unheld_mutex': mutex at 0x[0-9a-f]+" "unheld_mutex named"
if sed -n "/  waits here:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E "#0 0x[0-9a-f]+ wait_without_mutex .*api_cond\.c:$WAIT \(api_cond\)"; then
	pass "at wait_without_mutex api_cond.c:$WAIT"; else fail "not at wait_without_mutex api_cond.c:$WAIT"; show; fi
expect_out '^api_cond: notheld done$'
finish
