#!/bin/sh
# Read-write locks: an inversion between a read lock and a mutex; read-to-write upgrade (self-deadlock,
# ended); write then read (EDEADLK, reported, continues); recursive read of a default rwlock (fine) and
# of a writer-preferring one (reported: the writer hazard, continues); unlock of an rwlock nobody holds
# (bad-unlock); timed/clock read and write locks that time out leave nothing held.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_rwlock.c"
HOLD_T=$(line_of "$SRC" 'pthread_rwlock_rdlock(&table_rwlock); /* hold table for reading */')
EDGE_TS=$(line_of "$SRC" 'pthread_mutex_lock(&stats_mutex); /* edge table->stats */')
HOLD_S=$(line_of "$SRC" 'pthread_mutex_lock(&stats_mutex); /* hold stats */')
EDGE_ST=$(line_of "$SRC" 'pthread_rwlock_wrlock(&table_rwlock); /* edge stats->table */')
UP_R=$(line_of "$SRC" 'pthread_rwlock_rdlock(&upgrade_rwlock); /* upgrade: read lock */')
UP_W=$(line_of "$SRC" 'pthread_rwlock_wrlock(&upgrade_rwlock); /* upgrade: write lock */')
WR_W=$(line_of "$SRC" 'pthread_rwlock_wrlock(&wr_rwlock); /* write_read: write lock */')
WR_R=$(line_of "$SRC" 'int rc = pthread_rwlock_rdlock(&wr_rwlock); /* write_read: read lock */')
RD1=$(line_of "$SRC" 'int rc1 = pthread_rwlock_rdlock(rw); /* read twice: first */')
RD2=$(line_of "$SRC" 'int rc2 = pthread_rwlock_rdlock(rw); /* read twice: second */')
PW_INIT=$(line_of "$SRC" 'pthread_rwlock_init(&writer_pref_rwlock, &attr); /* prefer_writer: init */')
UNL=$(line_of "$SRC" 'int rc = pthread_rwlock_unlock(&never_locked_rwlock); /* unlock: not held */')

# block_has HEADER REGEX: the frame lines right under "  HEADER:" match REGEX
block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}
# same_as_native MODE: the program's output equals a run without the checker
same_as_native() {
	"$PROGS/api_rwlock" "$1" > "$WORK/native.out" 2>&1
	if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
		fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
}

echo "---- reader of table_rwlock then stats_mutex; stats_mutex then writer of table_rwlock"
run -- "$PROGS/api_rwlock" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L[0-9] '(table_rwlock|stats_mutex)' -> L[0-9] '(table_rwlock|stats_mutex)' -> L[0-9] '(table_rwlock|stats_mutex)'$" "cycle names both locks"
expect_log "L[0-9] 'table_rwlock': rwlock at 0x[0-9a-f]+" "table_rwlock listed as an rwlock"
expect_log "L[0-9] 'stats_mutex': mutex at 0x[0-9a-f]+" "stats_mutex listed as a mutex"
expect_log "T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'stats_mutex' while holding L[0-9] 'table_rwlock':" "edge table_rwlock -> stats_mutex"
expect_log "T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'table_rwlock' while holding L[0-9] 'stats_mutex':" "edge stats_mutex -> table_rwlock"
expect_log "#0 0x[0-9a-f]+ read_then_mutex .*api_rwlock\.c:$EDGE_TS \(api_rwlock\)" "read_then_mutex api_rwlock.c:$EDGE_TS"
expect_log "#0 0x[0-9a-f]+ read_then_mutex .*api_rwlock\.c:$HOLD_T \(api_rwlock\)" "read lock held since read_then_mutex api_rwlock.c:$HOLD_T"
expect_log "#0 0x[0-9a-f]+ mutex_then_write .*api_rwlock\.c:$EDGE_ST \(api_rwlock\)" "mutex_then_write api_rwlock.c:$EDGE_ST"
expect_log "#0 0x[0-9a-f]+ mutex_then_write .*api_rwlock\.c:$HOLD_S \(api_rwlock\)" "stats_mutex held since mutex_then_write api_rwlock.c:$HOLD_S"
expect_out '^api_rwlock: inversion done rows=1$'

echo "---- read-to-write upgrade"
run -- "$PROGS/api_rwlock" upgrade
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(rwlock\) that it already holds: it would wait for itself forever" "summary"
expect_log "L1 'upgrade_rwlock': rwlock at 0x[0-9a-f]+" "upgrade_rwlock named"
block_has "acquired again here" "#0 0x[0-9a-f]+ upgrade_entry .*api_rwlock\.c:$UP_W \(api_rwlock\)"
block_has "already held since" "#0 0x[0-9a-f]+ upgrade_entry .*api_rwlock\.c:$UP_R \(api_rwlock\)"
expect_out '^api_rwlock: upgrading$'
if grep -q 'not reached' "$OUT"; then fail "the program went on past the upgrade"; else pass "the process ended at the upgrade"; fi

echo "---- write lock, then read lock, same rwlock"
run -- "$PROGS/api_rwlock" write_read
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_log "coffman: double-lock: T1 acquires L1 \(rwlock\) that it already holds$" "summary (not fatal)"
expect_log "returns EDEADLK" "note: the call returns EDEADLK"
expect_log "L1 'wr_rwlock': rwlock at 0x[0-9a-f]+" "wr_rwlock named"
block_has "acquired again here" "#0 0x[0-9a-f]+ write_then_read .*api_rwlock\.c:$WR_R \(api_rwlock\)"
block_has "already held since" "#0 0x[0-9a-f]+ write_then_read .*api_rwlock\.c:$WR_W \(api_rwlock\)"
expect_out '^api_rwlock: rdlock while write-holding returned EDEADLK$'
expect_out '^api_rwlock: wrlock after unlock returned 0$'
expect_out '^api_rwlock: write_read done$'
same_as_native write_read

echo "---- recursive read lock, default rwlock"
run -- "$PROGS/api_rwlock" recursive_read
expect_no_report
expect_status 0
expect_out '^api_rwlock: read locks returned 0 0$'
expect_out '^api_rwlock: recursive_read done$'

echo "---- recursive read lock, writer-preferring rwlock"
run -- "$PROGS/api_rwlock" prefer_writer
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_log "coffman: double-lock: T1 acquires L1 \(rwlock\) that it already holds$" "summary (not fatal)"
expect_log "^==[0-9]+==   .*writer.*(deadlock|wait)" "note explains the writer hazard"
expect_log "L1 'writer_pref_rwlock': rwlock at 0x[0-9a-f]+, initialised in main .*api_rwlock\.c:$PW_INIT$" "writer_pref_rwlock initialised in main api_rwlock.c:$PW_INIT"
block_has "acquired again here" "#0 0x[0-9a-f]+ read_twice .*api_rwlock\.c:$RD2 \(api_rwlock\)"
block_has "already held since" "#0 0x[0-9a-f]+ read_twice .*api_rwlock\.c:$RD1 \(api_rwlock\)"
expect_out '^api_rwlock: read locks returned 0 0$'
expect_out '^api_rwlock: prefer_writer done$'
same_as_native prefer_writer

echo "---- unlock of an rwlock nobody holds"
run -- "$PROGS/api_rwlock" unlock_unheld
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(rwlock\)" "summary: T1 unlocks L1 (rwlock)"
expect_log "L1 'never_locked_rwlock': rwlock at 0x[0-9a-f]+" "never_locked_rwlock named"
block_has "unlocked here" "#0 0x[0-9a-f]+ unlock_unheld .*api_rwlock\.c:$UNL \(api_rwlock\)"
expect_out '^api_rwlock: unlock_unheld done$'

echo "---- timed and clock read/write locks that time out"
run -- "$PROGS/api_rwlock" timed
expect_no_report
expect_status 0
expect_faster_than 5
for f in timedrdlock timedwrlock clockrdlock clockwrlock; do
	expect_out "^api_rwlock: $f returned ETIMEDOUT$"
	expect_out "^api_rwlock: free $f returned 0$"
done
expect_out '^api_rwlock: timed done$'
finish
