#!/bin/sh
# Every distinct cycle: A->B, then B->A (a 2-lock cycle, reported), then A->C and C->B.  The 3-lock
# cycle A->C->B->A is a different deadlock in different code, and it needs the edge B->A that closed the
# first cycle: it is reported too, as a second lock-order-inversion naming all three locks and the
# three functions whose edges make it.  Each step runs in a thread of its own, one after the other.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/misuse_cycles.c"
INNER=$(line_of "$SRC" 'pthread_mutex_lock(inner); /* nest: inner */')
AB=$(line_of "$SRC" '*take_a_then_b(void *arg)')
BA=$(line_of "$SRC" '*take_b_then_a(void *arg)')
AC=$(line_of "$SRC" '*take_a_then_c(void *arg)')
CB=$(line_of "$SRC" '*take_c_then_b(void *arg)')

# report N: the text of the N-th report (from its header to the next header or the summary)
report() {
	awk -v n="$1" '/coffman: (lock-order-inversion|summary):/ { k++ } k == n' "$LOG"
}

# in_report N REGEX WHAT
in_report() {
	if report "$1" | grep -E -q -- "$2"; then pass "report $1: $3"; else fail "report $1 lacks $3 ($2)"; show; fi
}

run -- "$PROGS/misuse_cycles" shared-edge
expect_status 66
expect_out '^misuse_cycles shared-edge: work=4$'
expect_count lock-order-inversion 2
expect_log "summary: lock-order-inversion 2," "summary counts 2 inversions"

# the first: lock_a <-> lock_b, made by take_a_then_b and take_b_then_a
in_report 1 "coffman: lock-order-inversion: potential deadlock: cycle of 2 locks in 2 threads$" "a 2-lock cycle"
in_report 1 "cycle: L1 'lock_a' -> L2 'lock_b' -> L1 'lock_a'$" "cycle lock_a -> lock_b"
in_report 1 "#1 0x[0-9a-f]+ take_a_then_b .*misuse_cycles\.c:$AB " "edge in take_a_then_b :$AB"
in_report 1 "#1 0x[0-9a-f]+ take_b_then_a .*misuse_cycles\.c:$BA " "edge in take_b_then_a :$BA"

# the second: A->C->B->A (shown from wherever it starts), three edges from three functions
in_report 2 "coffman: lock-order-inversion: potential deadlock: cycle of 3 locks in 3 threads$" "a 3-lock cycle"
in_report 2 "cycle: (L1 'lock_a' -> L2 'lock_c' -> L3 'lock_b' -> L1 'lock_a'|L1 'lock_c' -> L2 'lock_b' -> L3 'lock_a' -> L1 'lock_c'|L1 'lock_b' -> L2 'lock_a' -> L3 'lock_c' -> L1 'lock_b')$" \
	"cycle lock_a -> lock_c -> lock_b -> lock_a"
in_report 2 "locks L[1-3] 'lock_c' while holding L[1-3] 'lock_a':" "edge lock_a -> lock_c"
in_report 2 "locks L[1-3] 'lock_b' while holding L[1-3] 'lock_c':" "edge lock_c -> lock_b"
in_report 2 "locks L[1-3] 'lock_a' while holding L[1-3] 'lock_b':" "edge lock_b -> lock_a (the first cycle's closing edge)"
in_report 2 "#0 0x[0-9a-f]+ nest .*misuse_cycles\.c:$INNER \(misuse_cycles\)" "edges acquired in nest :$INNER"
in_report 2 "#1 0x[0-9a-f]+ take_a_then_c .*misuse_cycles\.c:$AC " "edge in take_a_then_c :$AC"
in_report 2 "#1 0x[0-9a-f]+ take_c_then_b .*misuse_cycles\.c:$CB " "edge in take_c_then_b :$CB"
in_report 2 "#1 0x[0-9a-f]+ take_b_then_a .*misuse_cycles\.c:$BA " "edge in take_b_then_a :$BA"
n=$(report 2 | grep -c -E "^(==[0-9]+== )?  edge [0-9]+: T[0-9]+ ")
if [ "$n" -eq 3 ]; then pass "report 2: 3 edges"; else fail "report 2: $n edges, expected 3"; show; fi

# the same in JSON: two objects, the second a cycle of three named locks
run --format=json -- "$PROGS/misuse_cycles" shared-edge
expect_status 66
if grep -v '"kind":"summary"' "$LOG" | python3 -c '
import json, sys
reports = [json.loads(l) for l in sys.stdin if l.strip()]
assert [r["kind"] for r in reports] == ["lock-order-inversion"] * 2, reports
second = reports[1]
names = {l["id"]: l["name"] for l in second["locks"]}
cycle = [names[i] for i in second["cycle"]]
assert len(cycle) == 4 and cycle[0] == cycle[-1], cycle
ring = cycle[:-1]
k = ring.index("lock_a")
assert ring[k:] + ring[:k] == ["lock_a", "lock_c", "lock_b"], ring
assert "cycle of 3 locks in 3 threads" in second["summary"], second["summary"]
' > "$WORK/check.out" 2>&1; then pass "JSON: the second report is the cycle lock_a -> lock_c -> lock_b"; else
	fail "JSON check failed:"; cat "$WORK/check.out" >&2; show; fi
finish
