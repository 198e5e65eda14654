#!/bin/sh
# The stack walk's memo (shim/deps_unwind.c) answers a capture from the same pc and stack pointer
# whose deciding registers and stack slots are unchanged.  tests/progs/unwind_memo.c captures from
# take_pair under from_left 65 times, then under from_right at the same pc and stack pointer: the
# return address into the caller differs, and the report of the right-hand pair must name from_right,
# never from_left.  Built twice: optimised without frame pointers (CFA from rsp) and at -O0 (CFA from
# rbp, restored from the stack frame by frame).  Under COFFMAN_UNWIND_CHECK every stack the memo
# answered is walked again and compared: answers, and none different.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/unwind_memo.c"
EDGE=$(line_of "$SRC" '/* memo: edge */')
LEFT=$(line_of "$SRC" '/* memo: left */')
RIGHT=$(line_of "$SRC" '/* memo: right */')
CHECK="$WORK/unwind-check.log"

report_of() { # LOCKNAME: the inversion report that names it
	awk -v name="'$1'" '/coffman: lock-order-inversion/ { keep = 0; buf = "" }
		{ buf = buf $0 "\n" } index($0, name) { keep = 1 }
		/coffman: lock-order-inversion/ || /coffman: summary/ { if (prev_keep) printf "%s", prev; }
		{ prev = buf; prev_keep = keep } END { if (keep) printf "%s", buf }' "$LOG"
}

for prog in unwind_memo unwind_memo_fp; do
	echo "---- $prog"
	COFFMAN_UNWIND_CHECK=$CHECK
	export COFFMAN_UNWIND_CHECK
	: > "$CHECK"
	run -- "$PROGS/$prog"
	expect_status 66
	expect_count lock-order-inversion 2
	sed -n "/'right_c'/,/coffman: \\(summary\\|lock-order-inversion\\)/p" "$LOG" > "$WORK/right.txt"
	if grep -q -E "take_pair .*unwind_memo\\.c:$EDGE" "$WORK/right.txt" &&
	   grep -q -E "from_right .*unwind_memo\\.c:$RIGHT" "$WORK/right.txt"; then
		pass "the right-hand pair's edge is taken under from_right"
	else
		fail "the right-hand pair's report lacks from_right"; cat "$WORK/right.txt" >&2
	fi
	if grep -q from_left "$WORK/right.txt"; then
		fail "the right-hand pair's report names from_left (the memo answered for another caller)"
		cat "$WORK/right.txt" >&2
	else
		pass "no from_left in it"
	fi
	if grep -q -E "from_left .*unwind_memo\\.c:$LEFT" "$LOG"; then pass "the left-hand pair's names from_left"
	else fail "the left-hand pair's report lacks from_left"; show; fi
	memo=$(sed -n -E 's/^coffman unwind check: pid [0-9]+: memo: ([0-9]+) hits, ([0-9]+) mismatches$/\1 \2/p' "$CHECK")
	set -- $memo
	if [ "${1:-0}" -ge 60 ] && [ "${2:-1}" -eq 0 ]; then pass "memo: $1 answers, none different from the walk"
	else fail "memo: ${1:-?} answers, ${2:-?} different (expected 60 or more, none different)"; cat "$CHECK" >&2; fi
	unset COFFMAN_UNWIND_CHECK
done
finish
