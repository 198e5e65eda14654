#!/bin/sh
# Re-locking a held mutex.  Normal mutex: double-lock report naming both acquisitions, then the process
# is ended with the exit code instead of hanging.  Recursive mutex: fine.  Error-checking mutex:
# double-lock report, the call returns EDEADLK as without the checker, the program runs to its end.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/doublelock.c"
N1=$(line_of "$SRC" 'pthread_mutex_lock(&plain_lock); /* normal: first lock */')
N2=$(line_of "$SRC" 'pthread_mutex_lock(&plain_lock); /* normal: second lock */')
E1=$(line_of "$SRC" 'pthread_mutex_lock(&ec_lock); /* errorcheck: first lock */')
E2=$(line_of "$SRC" 'int rc = pthread_mutex_lock(&ec_lock); /* errorcheck: second lock */')
EI=$(line_of "$SRC" 'pthread_mutex_init(&ec_lock, &attr); /* errorcheck: init */')

# block_has HEADER REGEX: the frame lines right under "  HEADER:" match REGEX
block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

# ---- normal mutex: self-deadlock, ended by the checker
run -- "$PROGS/doublelock" normal
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(mutex\) that it already holds: it would wait for itself forever" "summary line"
expect_log "L1 'plain_lock': mutex at 0x[0-9a-f]+" "lock named plain_lock"
block_has "acquired again here" "#0 0x[0-9a-f]+ relock_normal .*doublelock\.c:$N2 \(doublelock\)"
block_has "already held since" "#0 0x[0-9a-f]+ relock_normal .*doublelock\.c:$N1 \(doublelock\)"
expect_log "summary: lock-order-inversion 0, double-lock 1," "summary counts it"
expect_out '^doublelock normal: locking again$'
if grep -q 'not reached\|normal: done' "$OUT"; then fail "the program went on past the self-deadlock"; cat "$OUT" >&2; else
	pass "the process ended at the self-deadlock"; fi

# ---- recursive mutex: no report
run -- "$PROGS/doublelock" recursive
expect_no_report
expect_status 0
expect_out '^doublelock recursive: second lock returned 0$'
expect_out '^doublelock recursive: done$'

# ---- error-checking mutex: report, EDEADLK, the program continues
run -- "$PROGS/doublelock" errorcheck
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_log "coffman: double-lock: T1 acquires L1 \(mutex\) that it already holds$" "summary line (no 'forever')"
expect_log "error-checking mutex: the call returns EDEADLK" "note says EDEADLK"
expect_log "L1: mutex at 0x[0-9a-f]+, initialised in relock_errorcheck .*doublelock\.c:$EI$" "initialised in relock_errorcheck doublelock.c:$EI"
block_has "acquired again here" "#0 0x[0-9a-f]+ relock_errorcheck .*doublelock\.c:$E2 \(doublelock\)"
block_has "already held since" "#0 0x[0-9a-f]+ relock_errorcheck .*doublelock\.c:$E1 \(doublelock\)"
expect_out '^doublelock errorcheck: second lock returned EDEADLK$'
expect_out '^doublelock errorcheck: done$'
# and the same without the checker
"$PROGS/doublelock" errorcheck > "$WORK/native.out" 2>&1
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
finish
