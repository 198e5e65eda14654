#!/bin/sh
# examples/ticket_spinlock: two accounts, each guarded by a hand-written ticket spinlock on C11
# atomics, taken in opposite orders by two threads that run one after the other.  coffman sees the
# spinlocks only through <coffman/annotate.h>: lock-order-inversion between the two, with the name the
# program gave the locks ("ticket spinlock"), the functions and lines of both acquisitions, exit 66.
# Without coffman the program runs normally; with the annotations compiled out, coffman sees nothing
# (and the launcher says so).
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/examples/ticket_spinlock.c"
PROG="$top_builddir/examples/ticket_spinlock"
FIRST=$(line_of "$SRC" '	ticket_lock(&from->lock);')
SECOND=$(line_of "$SRC" '	ticket_lock(&to->lock);')
ACQUIRING=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRING(l, 0);')
ACQUIRED=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRED(l, 0);')
CREATED=$(line_of "$SRC" 'COFFMAN_LOCK_CREATED(l, "ticket spinlock", 0);')
# ticket_init is the program's wrapper of the annotation (two callers): each lock names its caller
INIT_A=$(line_of "$SRC" '	ticket_init(&account_a.lock);')
INIT_B=$(line_of "$SRC" '	ticket_init(&account_b.lock);')

run -- "$PROG"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L1 'account_a' -> L2 'account_b' -> L1 'account_a'$" "cycle of the two account locks"
expect_log "L1 'account_a': ticket spinlock at 0x[0-9a-f]+, initialised in ticket_init .*ticket_spinlock\.c:$CREATED, called from main .*ticket_spinlock\.c:$INIT_A$" \
	"L1 is a 'ticket spinlock', created in ticket_init"
expect_log "L2 'account_b': ticket spinlock at 0x[0-9a-f]+, initialised in ticket_init .*ticket_spinlock\.c:$CREATED, called from main .*ticket_spinlock\.c:$INIT_B$" \
	"L2 is a 'ticket spinlock'"
expect_log "edge 1: T2 \(tid [0-9]+\) locks L2 'account_b' while holding L1 'account_a':" "edge 1: T2, A then B"
expect_log "edge 2: T3 \(tid [0-9]+\) locks L1 'account_a' while holding L2 'account_b':" "edge 2: T3, B then A"
expect_log "#0 0x[0-9a-f]+ ticket_lock .*ticket_spinlock\.c:$ACQUIRING \(ticket_spinlock\)" "acquisition in ticket_lock at the ACQUIRING line"
expect_log "#1 0x[0-9a-f]+ transfer .*ticket_spinlock\.c:$SECOND \(ticket_spinlock\)" "called from transfer, second lock"
expect_log "#0 0x[0-9a-f]+ ticket_lock .*ticket_spinlock\.c:$ACQUIRED \(ticket_spinlock\)" "held since the ACQUIRED line"
expect_log "#1 0x[0-9a-f]+ transfer .*ticket_spinlock\.c:$FIRST \(ticket_spinlock\)" "first lock in transfer"
expect_out '^balances: Alice 400, Bob 400$'
if grep -q 'not checked' "$OUT"; then fail "the launcher says the annotated locks are not checked"; cat "$OUT" >&2; else
	pass "no 'not checked' notice for an annotated program"; fi

# JSON: the given name is the lock's type.
run --format=json -- "$PROG"
expect_log '"kind":"lock-order-inversion"' "JSON report"
expect_log '"name":"account_a","type":"ticket spinlock"' "JSON: account_a is a ticket spinlock"

# Without coffman: the same output, exit 0 (the macros find no coffman and do nothing).
"$PROG" > "$WORK/native.out" 2>&1
NATIVE=$?
grep -v '^==' "$OUT" > "$WORK/checked.out"
if [ "$NATIVE" -eq 0 ] && cmp -s "$WORK/native.out" "$WORK/checked.out"; then pass "runs normally without coffman"; else
	fail "native run: status $NATIVE, output differs"; diff "$WORK/native.out" "$WORK/checked.out" >&2; fi

# The same scenario with the annotations compiled out: invisible to coffman.
run -- "$PROGS/annotate_locks_off" inversion
expect_no_report
expect_status 0
expect_out '^inversion: done$'
expect_out 'not checked unless annotated'
# ... and annotated: found.
run -- "$PROGS/annotate_locks" inversion
expect_kind lock-order-inversion
expect_status 66
expect_log "cycle: L1 'queue_lock' -> L2 'stats_lock' -> L1 'queue_lock'$" "annotate_locks: the inversion"
finish
