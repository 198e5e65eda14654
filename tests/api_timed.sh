#!/bin/sh
# Timed mutex acquisitions: pthread_mutex_timedlock and pthread_mutex_clocklock that time out leave no
# lock held (no later double-lock, bad-unlock, inversion or exit warning); a timed acquisition that
# succeeds is an edge of the lock graph like any other: holding acct_a, timedlock/clocklock acct_b,
# elsewhere acct_b then acct_a -> a lock-order inversion naming the timed call's line.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_timed.c"
HOLD_A=$(line_of "$SRC" 'pthread_mutex_lock(&acct_a); /* hold acct_a */')
TIMED=$(line_of "$SRC" 'rc = pthread_mutex_timedlock(&acct_b, &ts); /* timedlock acct_b */')
CLOCK=$(line_of "$SRC" 'rc = pthread_mutex_clocklock(&acct_b, CLOCK_MONOTONIC, &ts); /* clocklock acct_b */')
HOLD_B=$(line_of "$SRC" 'pthread_mutex_lock(&acct_b); /* hold acct_b */')
EDGE_BA=$(line_of "$SRC" 'pthread_mutex_lock(&acct_a); /* edge b->a */')
SELF1=$(line_of "$SRC" 'pthread_mutex_lock(&acct_a); /* self: first hold */')
SELF2=$(line_of "$SRC" 'int rc = pthread_mutex_timedlock(&acct_a, &ts); /* self: timedlock again */')

echo "---- timeouts"
run -- "$PROGS/api_timed" timeout
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_timed: timedlock returned ETIMEDOUT$'
expect_out '^api_timed: clocklock returned ETIMEDOUT$'
expect_out '^api_timed: main clocklock returned ETIMEDOUT$'
expect_out '^api_timed: timeout done$'

for mode in graph graph_clock; do
	echo "---- $mode"
	if [ "$mode" = graph ]; then LINE=$TIMED; else LINE=$CLOCK; fi
	run -- "$PROGS/api_timed" "$mode"
	expect_kind lock-order-inversion
	expect_count lock-order-inversion 1
	expect_status 66
	expect_log "cycle: L[0-9] 'acct_[ab]' -> L[0-9] 'acct_[ab]' -> L[0-9] 'acct_[ab]'$" "cycle names acct_a and acct_b"
	expect_log "locks L[0-9] 'acct_b' while holding L[0-9] 'acct_a':" "edge acct_a -> acct_b (the timed one)"
	expect_log "#0 0x[0-9a-f]+ a_then_timed_b .*api_timed\.c:$LINE \(api_timed\)" "the timed acquisition at a_then_timed_b api_timed.c:$LINE"
	expect_log "#0 0x[0-9a-f]+ a_then_timed_b .*api_timed\.c:$HOLD_A \(api_timed\)" "acct_a held since api_timed.c:$HOLD_A"
	expect_log "#0 0x[0-9a-f]+ b_then_a .*api_timed\.c:$EDGE_BA \(api_timed\)" "b_then_a api_timed.c:$EDGE_BA"
	expect_log "#0 0x[0-9a-f]+ b_then_a .*api_timed\.c:$HOLD_B \(api_timed\)" "acct_b held since api_timed.c:$HOLD_B"
	expect_out "^api_timed: $mode done balance=2$"
done
echo "---- a timed lock of a mutex the thread holds: reported, and it times out as without the checker"
run -- "$PROGS/api_timed" self
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_log "coffman: double-lock: T1 acquires L1 \(mutex\) that it already holds: it waits for itself until the call's deadline$" "summary: a timed self-wait"
expect_log "non-recursive lock, timed call: it times out, as without the checker; the program keeps running" "note: not ended"
expect_log "#0 0x[0-9a-f]+ main .*api_timed\.c:$SELF2 \(api_timed\)" "acquired again at api_timed.c:$SELF2"
expect_log "#0 0x[0-9a-f]+ main .*api_timed\.c:$SELF1 \(api_timed\)" "held since api_timed.c:$SELF1"
expect_out '^api_timed: timedlock of a held mutex returned ETIMEDOUT$'
expect_out '^api_timed: self done$'
expect_no_log "coffman: bad-unlock:"
finish
