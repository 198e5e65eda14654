#!/bin/sh
# ABBA across two threads that never overlap: one lock-order-inversion naming both locks, both edges'
# functions and file:line, where the held lock had been acquired; exit 66; program output unchanged.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/abba.c"

# expect_reports N: exactly N reports of any kind
expect_reports() {
	n=$(grep -E -c '^(==[0-9]+== )?coffman: (lock-order-inversion|double-lock|bad-unlock|destroy-locked|deadlock|hang)\b' "$LOG")
	if [ "$n" -eq "$1" ]; then pass "$1 report(s) in all"; else fail "$n reports in all, expected $1"; show; fi
}
HOLD_A=$(line_of "$SRC" 'pthread_mutex_lock(&lock_a); /* hold a */')
EDGE_AB=$(line_of "$SRC" 'pthread_mutex_lock(&lock_b); /* edge a->b */')
HOLD_B=$(line_of "$SRC" 'pthread_mutex_lock(&lock_b); /* hold b */')
EDGE_BA=$(line_of "$SRC" 'pthread_mutex_lock(&lock_a); /* edge b->a */')

"$PROGS/abba" > "$WORK/native.out" 2>&1
run -- "$PROGS/abba"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_reports 1
expect_status 66
expect_log "coffman: lock-order-inversion: .*cycle of 2 locks in 2 threads" "summary: 2 locks, 2 threads"
expect_log "cycle: L[0-9] 'lock_a' -> L[0-9] 'lock_b' -> L[0-9] 'lock_a'" "cycle line names lock_a and lock_b"
expect_log "L[0-9] 'lock_a': mutex at 0x[0-9a-f]+" "lock_a listed with its address"
expect_log "L[0-9] 'lock_b': mutex at 0x[0-9a-f]+" "lock_b listed with its address"
# edge a->b: the acquisition of lock_b in take_a_then_b, and where lock_a had been acquired
expect_log "edge [0-9]: T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'lock_b' while holding L[0-9] 'lock_a':" "edge a->b header"
expect_log "#0 0x[0-9a-f]+ take_a_then_b .*abba\.c:$EDGE_AB \(abba\)" "edge a->b at take_a_then_b abba.c:$EDGE_AB"
expect_log "edge [0-9]: T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'lock_a' while holding L[0-9] 'lock_b':" "edge b->a header"
expect_log "#0 0x[0-9a-f]+ take_b_then_a .*abba\.c:$EDGE_BA \(abba\)" "edge b->a at take_b_then_a abba.c:$EDGE_BA"
# the "had been acquired at" block of each edge is followed by the held lock's acquisition site
if grep -A1 -E "L[0-9] 'lock_a' had been acquired at:" "$LOG" | grep -q -E "take_a_then_b .*abba\.c:$HOLD_A\b"; then
	pass "lock_a had been acquired at take_a_then_b abba.c:$HOLD_A"
else
	fail "no 'lock_a had been acquired at' take_a_then_b abba.c:$HOLD_A"; show
fi
if grep -A1 -E "L[0-9] 'lock_b' had been acquired at:" "$LOG" | grep -q -E "take_b_then_a .*abba\.c:$HOLD_B\b"; then
	pass "lock_b had been acquired at take_b_then_a abba.c:$HOLD_B"
else
	fail "no 'lock_b had been acquired at' take_b_then_a abba.c:$HOLD_B"; show
fi
# the two edges come from two different threads, both created by main
expect_log "T[0-9]+ \(tid [0-9]+\) was created by T1 at:" "threads' creation shown"
expect_log "^==[0-9]+== coffman: summary: lock-order-inversion 1, double-lock 0, bad-unlock 0" "summary line"
# the program ran unchanged
if cmp -s "$WORK/native.out" "$OUT"; then pass "program output identical to a native run"; else
	fail "program output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
expect_out '^abba: total=11$'

# the program's own non-zero status is replaced by the exit code after a report
run -- "$PROGS/abba" 5
expect_status 66
finish
