#!/bin/sh
# Every thread blocked without any lock cycle: the worker waits on a condition variable nobody signals
# and main joins it.  One deadlock report saying that all threads are blocked, each shown at its wait
# (the condition wait in wait_until_ready, the join in main); the process is ended with 66, quickly.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_condstuck.c"
WAIT=$(line_of "$SRC" 'pthread_cond_wait(&ready_cond, &state_lock); /* stuck: nobody signals */')
JOIN=$(line_of "$SRC" 'pthread_join(th, NULL); /* stuck: joins the waiter */')

run -- "$PROGS/api_condstuck"
expect_kind deadlock
expect_count deadlock 1
expect_status 66
expect_faster_than 3
expect_log "coffman: deadlock: all 2 threads are blocked and none can wake another" "summary: all 2 threads are blocked"
expect_log "T2 \(tid [0-9]+\) waits in a condition wait for [0-9.]+ s, holding nothing; blocked at:" "T2 in a condition wait"
expect_log "#0 0x[0-9a-f]+ wait_until_ready .*api_condstuck\.c:$WAIT \(api_condstuck\)" "wait_until_ready api_condstuck.c:$WAIT"
expect_log "T1 \(tid [0-9]+\) waits in pthread_join of T2 for [0-9.]+ s, holding nothing; blocked at:" "T1 joins T2"
expect_log "#0 0x[0-9a-f]+ main .*api_condstuck\.c:$JOIN \(api_condstuck\)" "main api_condstuck.c:$JOIN"
expect_no_log "coffman: lock-order-inversion"
expect_out '^api_condstuck: start$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the deadlock"; fi
finish
