#!/bin/sh
# Spinlocks: an inversion between spin_a and spin_b; a spinlock locked twice by its holder (double-lock,
# the process is ended instead of spinning forever); an unlock of an unlocked spinlock (bad-unlock).
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_spin.c"
HOLD_A=$(line_of "$SRC" 'pthread_spin_lock(&spin_a); /* hold spin_a */')
EDGE_AB=$(line_of "$SRC" 'pthread_spin_lock(&spin_b); /* edge a->b */')
HOLD_B=$(line_of "$SRC" 'pthread_spin_lock(&spin_b); /* hold spin_b */')
EDGE_BA=$(line_of "$SRC" 'pthread_spin_lock(&spin_a); /* edge b->a */')
D1=$(line_of "$SRC" 'pthread_spin_lock(&spin_a); /* double: first */')
D2=$(line_of "$SRC" 'pthread_spin_lock(&spin_a); /* double: second */')
UNL=$(line_of "$SRC" 'int rc = pthread_spin_unlock(&spin_a); /* unlock: not locked */')
INIT=$(line_of "$SRC" 'pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE); /* init spin_a */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

echo "---- inversion"
run -- "$PROGS/api_spin" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L[0-9] 'spin_[ab]' -> L[0-9] 'spin_[ab]' -> L[0-9] 'spin_[ab]'$" "cycle names spin_a and spin_b"
expect_log "L[0-9] 'spin_a': spinlock at 0x[0-9a-f]+, initialised in main .*api_spin\.c:$INIT$" "spin_a: spinlock initialised in main api_spin.c:$INIT"
expect_log "L[0-9] 'spin_b': spinlock at 0x[0-9a-f]+" "spin_b listed as a spinlock"
expect_log "locks L[0-9] 'spin_b' while holding L[0-9] 'spin_a':" "edge spin_a -> spin_b"
expect_log "locks L[0-9] 'spin_a' while holding L[0-9] 'spin_b':" "edge spin_b -> spin_a"
expect_log "#0 0x[0-9a-f]+ spin_a_then_b .*api_spin\.c:$EDGE_AB \(api_spin\)" "spin_a_then_b api_spin.c:$EDGE_AB"
expect_log "#0 0x[0-9a-f]+ spin_a_then_b .*api_spin\.c:$HOLD_A \(api_spin\)" "spin_a held since api_spin.c:$HOLD_A"
expect_log "#0 0x[0-9a-f]+ spin_b_then_a .*api_spin\.c:$EDGE_BA \(api_spin\)" "spin_b_then_a api_spin.c:$EDGE_BA"
expect_log "#0 0x[0-9a-f]+ spin_b_then_a .*api_spin\.c:$HOLD_B \(api_spin\)" "spin_b held since api_spin.c:$HOLD_B"
expect_out '^api_spin: inversion done spun=2$'

echo "---- double lock"
run -- "$PROGS/api_spin" double
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(spinlock\) that it already holds" "summary"
expect_log "L1 'spin_a': spinlock at 0x[0-9a-f]+" "spin_a named"
block_has "acquired again here" "#0 0x[0-9a-f]+ spin_twice .*api_spin\.c:$D2 \(api_spin\)"
block_has "already held since" "#0 0x[0-9a-f]+ spin_twice .*api_spin\.c:$D1 \(api_spin\)"
expect_out '^api_spin: locking again$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the double lock"; fi

echo "---- unlock of an unlocked spinlock"
run -- "$PROGS/api_spin" unlock_unlocked
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(spinlock\) that is not locked$" "summary: not locked"
expect_log "L1 'spin_a': spinlock at 0x[0-9a-f]+" "spin_a named"
block_has "unlocked here" "#0 0x[0-9a-f]+ unlock_unlocked .*api_spin\.c:$UNL \(api_spin\)"
expect_out '^api_spin: unlock_unlocked done$'
finish
