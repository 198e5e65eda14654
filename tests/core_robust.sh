#!/bin/sh
# Robustness.  (1) The program closes stderr and opens its own file, which gets descriptor 2: the report
# must not end up in the program's file -- with --log it goes to the log, without it to the original
# stderr.  (2) fork() while another thread holds a lock: the child locks freely and exits 0, the parent
# exits 0, nothing is reported.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/closefd2.c"
EDGE_PQ=$(line_of "$SRC" 'pthread_mutex_lock(&lock_q); /* edge p->q */')
EDGE_QP=$(line_of "$SRC" 'pthread_mutex_lock(&lock_p); /* edge q->p */')
printf 'program line 1\nprogram line 2\n' > "$WORK/expected.txt"

own_file_clean() {
	if cmp -s "$WORK/expected.txt" "$1"; then pass "the program's file holds only its own lines"; else
		fail "the program's file $(basename "$1") holds more than the program's own lines:"; cat "$1" >&2; fi
}

# ---- with --log
run -- "$PROGS/closefd2" "$WORK/own.txt"
expect_status 66
expect_out '^closefd2: done$'
own_file_clean "$WORK/own.txt"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_log "locks L[0-9] 'lock_q' while holding L[0-9] 'lock_p':" "edge p->q in the log"
expect_log "#0 0x[0-9a-f]+ p_then_q .*closefd2\.c:$EDGE_PQ \(closefd2\)" "p_then_q closefd2.c:$EDGE_PQ"
expect_log "#0 0x[0-9a-f]+ q_then_p .*closefd2\.c:$EDGE_QP \(closefd2\)" "q_then_p closefd2.c:$EDGE_QP"
expect_log "coffman: summary: lock-order-inversion 1," "summary in the log"

# ---- without --log: the report goes to the stderr the program started with
"$COFFMAN" "$PROGS/closefd2" "$WORK/own2.txt" > "$WORK/plain.out" 2> "$WORK/plain.err"
rc=$?
if [ "$rc" -eq 66 ]; then pass "stderr run: exit status 66"; else fail "stderr run: exit status $rc, expected 66"; fi
own_file_clean "$WORK/own2.txt"
if grep -q -E '^==[0-9]+== coffman: lock-order-inversion' "$WORK/plain.err"; then pass "report on the original stderr"; else
	fail "no report on the original stderr:"; cat "$WORK/plain.err" >&2; fi
if grep -q 'coffman' "$WORK/plain.out"; then fail "report on stdout:"; cat "$WORK/plain.out" >&2; else pass "nothing on stdout"; fi

# ---- fork while another thread holds a lock
"$PROGS/forkheld" > "$WORK/native.out" 2>&1
run -- "$PROGS/forkheld"
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^forkheld child: work=2$'
expect_out '^forkheld parent: child status 0$'
sort "$WORK/native.out" > "$WORK/native.sorted"
sort "$OUT" > "$WORK/checked.sorted"
if cmp -s "$WORK/native.sorted" "$WORK/checked.sorted"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.sorted" "$WORK/checked.sorted" >&2; fi
# the same with a per-process log: no file at all is written (a clean run prints nothing)
mkdir "$WORK/logs"
COFFMAN_LOG="$WORK/logs/r.%p.log" "$COFFMAN" "$PROGS/forkheld" > "$WORK/plain.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "forkheld with %p log: exit 0"; else fail "forkheld with %p log: exit $rc"; fi
if [ -z "$(ls "$WORK/logs")" ]; then pass "no log written"; else
	fail "log files written:"; cat "$WORK/logs"/* >&2; fi
finish
