#!/bin/sh
# C11 <threads.h>: an mtx_lock inversion between mtx_a and mtx_b in two thrd_create threads (reported,
# with the functions and file:line); a recursive mtx re-locked (fine); a plain mtx locked twice
# (double-lock, ended instead of hanging); an mtx_timedlock that times out leaves nothing held.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_c11.c"
HOLD_A=$(line_of "$SRC" 'mtx_lock(&mtx_a); /* hold mtx_a */')
EDGE_AB=$(line_of "$SRC" 'mtx_lock(&mtx_b); /* edge a->b */')
HOLD_B=$(line_of "$SRC" 'mtx_lock(&mtx_b); /* hold mtx_b */')
EDGE_BA=$(line_of "$SRC" 'mtx_lock(&mtx_a); /* edge b->a */')
D1=$(line_of "$SRC" 'mtx_lock(&plain_mtx); /* double: first */')
D2=$(line_of "$SRC" 'mtx_lock(&plain_mtx); /* double: second */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

echo "---- mtx inversion in thrd_create threads"
run -- "$PROGS/api_c11" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L[0-9] 'mtx_[ab]' -> L[0-9] 'mtx_[ab]' -> L[0-9] 'mtx_[ab]'$" "cycle names mtx_a and mtx_b"
expect_log "T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'mtx_b' while holding L[0-9] 'mtx_a':" "edge mtx_a -> mtx_b"
expect_log "T[0-9]+ \(tid [0-9]+\) locks L[0-9] 'mtx_a' while holding L[0-9] 'mtx_b':" "edge mtx_b -> mtx_a"
expect_log "#0 0x[0-9a-f]+ c11_a_then_b .*api_c11\.c:$EDGE_AB \(api_c11\)" "c11_a_then_b api_c11.c:$EDGE_AB"
expect_log "#0 0x[0-9a-f]+ c11_a_then_b .*api_c11\.c:$HOLD_A \(api_c11\)" "mtx_a held since api_c11.c:$HOLD_A"
expect_log "#0 0x[0-9a-f]+ c11_b_then_a .*api_c11\.c:$EDGE_BA \(api_c11\)" "c11_b_then_a api_c11.c:$EDGE_BA"
expect_log "#0 0x[0-9a-f]+ c11_b_then_a .*api_c11\.c:$HOLD_B \(api_c11\)" "mtx_b held since api_c11.c:$HOLD_B"
# two different threads, neither of them main
e1=$(sed -n "s/.*  edge [0-9]: T\([0-9]*\) (tid [0-9]*) locks L[0-9] 'mtx_b'.*/\1/p" "$LOG")
e2=$(sed -n "s/.*  edge [0-9]: T\([0-9]*\) (tid [0-9]*) locks L[0-9] 'mtx_a'.*/\1/p" "$LOG")
if [ -n "$e1" ] && [ -n "$e2" ] && [ "$e1" != "$e2" ] && [ "$e1" != 1 ] && [ "$e2" != 1 ]; then
	pass "the edges come from two thrd_create threads (T$e1, T$e2)"; else fail "edge threads '$e1' '$e2'"; show; fi
expect_out '^api_c11: inversion done moved=2$'

echo "---- recursive mtx"
run -- "$PROGS/api_c11" recursive
expect_no_report
expect_status 0
expect_out '^api_c11: recursive locks ok$'

echo "---- plain mtx locked twice"
run -- "$PROGS/api_c11" double
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(mtx_t\) that it already holds" "summary"
expect_log "L1 'plain_mtx': mtx_t at 0x[0-9a-f]+" "plain_mtx named"
block_has "acquired again here" "#0 0x[0-9a-f]+ lock_plain_twice .*api_c11\.c:$D2 \(api_c11\)"
block_has "already held since" "#0 0x[0-9a-f]+ lock_plain_twice .*api_c11\.c:$D1 \(api_c11\)"
expect_out '^api_c11: locking again$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the double lock"; fi

echo "---- mtx_timedlock timing out"
run -- "$PROGS/api_c11" timedlock
expect_no_report
expect_status 0
expect_out '^api_c11: mtx_timedlock returned thrd_timedout$'
expect_out '^api_c11: mtx_lock after the holder left returned thrd_success$'
finish
