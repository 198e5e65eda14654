#!/bin/bash
# Peer parity: the lock tests of liblockdep, ThreadSanitizer, Helgrind, DRD and the Toyota ITC benchmark,
# ported as new programs (tests/parity/*.c), each case run under coffman and held to its line in
# tests/parity/verdicts: exactly the expected report kinds (or none for a clean case), the lock and
# function names in the report, and the exit status (66 after a report, 0 when clean).  bench/parity
# runs the same cases under Helgrind and DRD for comparison.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
HEADER='^(==[0-9]+== )?coffman: (lock-order-inversion|double-lock|bad-unlock|destroy-locked|deadlock|hang|exit-holding|cond-misuse|use-after-destroy|reinit-live|starvation|livelock)\b'
cases=0
failed_cases=""

while read -r prog name expected names; do
	case "$prog" in ''|'#'*) continue ;; esac
	cases=$((cases + 1))
	SHOWN=0
	before=$FAILED
	FAILED=0
	echo "---- $prog $name: $expected"
	run -- "$PROGS/parity_$prog" "$name"
	got=$(grep -E "$HEADER" "$LOG" | sed -E 's/^(==[0-9]+== )?coffman: ([a-z-]+).*/\2/' | sort -u | paste -sd+ -)
	case "$expected" in
	clean|gap:*)
		expect_no_report
		expect_status 0
		expect_out "^$prog: $name done\$"
		;;
	*)
		want=$(echo "$expected" | tr + '\n' | sort -u | paste -sd+ -)
		if [ "$got" = "$want" ]; then pass "kinds $want"; else fail "kinds '${got:-none}', expected $want"; show; fi
		expect_status 66
		IFS=, read -r -a regexes <<< "$names"
		for re in "${regexes[@]}"; do
			[ "$re" = "-" ] && continue
			expect_log "$re" "names $re"
		done
		;;
	esac
	[ "$FAILED" -ne 0 ] && failed_cases="$failed_cases $prog/$name"
	FAILED=$((before | FAILED))
done < "$top_srcdir/tests/parity/verdicts"

echo "==== $cases cases; failed:${failed_cases:- none}"
[ "$cases" -ge 90 ] || fail "only $cases cases read from tests/parity/verdicts"
finish
