#!/bin/sh
# Deep nesting.  A recursive mutex nested 100,000 deep (past any 16-bit counter) stays held until its
# last unlock: a lock taken inside its last hold orders after it, so the inversion that follows is
# reported; nesting and un-nesting it is linear (well under a second).  100,000 read locks of one rwlock
# are released without a false bad-unlock.  More distinct locks than the held stack tracks (64), released
# out of order, leave the picture consistent: a later AB/BA inversion is still found, nothing else.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/live_nest.c"
INNER=$(line_of "$SRC" 'pthread_mutex_lock(&other_lock);        /* nest_lock is still held once')
INVERT=$(line_of "$SRC" 'pthread_mutex_lock(&nest_lock);         /* other_lock -> nest_lock: the inversion */')

echo "---- a recursive mutex nested 100,000 deep"
run -- "$PROGS/live_nest" mutex 100000
expect_status 66
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_no_log "coffman: (bad-unlock|double-lock)"
expect_log "cycle: L1 'nest_lock' -> L2 'other_lock' -> L1 'nest_lock'" "cycle nest_lock -> other_lock"
expect_log "T1 \(tid [0-9]+\) locks L2 'other_lock' while holding L1 'nest_lock'" "other_lock taken inside the last hold"
expect_log "#0 0x[0-9a-f]+ deep_mutex .*live_nest\.c:$INNER \(live_nest\)" "deep_mutex live_nest.c:$INNER"
expect_log "#0 0x[0-9a-f]+ deep_mutex .*live_nest\.c:$INVERT \(live_nest\)" "deep_mutex live_nest.c:$INVERT"
secs=$(sed -n 's/^live_nest: 100000 nested locks and unlocks in \([0-9.]*\) s$/\1/p' "$OUT")
if [ -n "$secs" ] && [ "$(echo "$secs < 0.5" | bc)" -eq 1 ]; then
	pass "100000 nested locks and unlocks in $secs s (< 0.5 s)"
else
	fail "nesting took '${secs:-?}' s, limit 0.5 s"; show
fi

echo "---- 100,000 read locks of one rwlock"
run -- "$PROGS/live_nest" rdlock 100000
expect_no_report
expect_status 0
expect_out '^live_nest: 100000 read locks taken and released$'

echo "---- 100 distinct locks held at once (more than the held stack tracks), released out of order"
run -- "$PROGS/live_nest" overflow
expect_status 66
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_no_log "coffman: (bad-unlock|double-lock|deadlock)"
expect_log "#0 0x[0-9a-f]+ overflow .*live_nest\.c:$(line_of "$SRC" 'pthread_mutex_lock(&lock_a);            /* lock_b -> lock_a') \(live_nest\)" "the AB/BA inversion"
expect_out '^live_nest: overflow done$'
finish
