#!/bin/bash
# README recipes "jq-*": reading JSON reports with jq.  Five examples run with --format=json and one log
# per process; each recipe runs as written on that directory and must print what the reports hold.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/ci/recipe.sh"

command -v jq > /dev/null || { echo "SKIP: jq is not installed"; exit 77; }
EX="$top_builddir/examples"
cd "$WORK"
mkdir coffman-logs
json() { "$COFFMAN" --format=json --log="$WORK/coffman-logs/%p.log" "$@" > /dev/null 2>&1; }
json "$EX/printsum"          # lock-order-inversion, edges in print_sum
json "$EX/three_lock_cycle"  # lock-order-inversion of three locks
json "$EX/unlock_nonowner"   # bad-unlock
json "$EX/bank_fixed"        # clean: no log at all
n=$(ls coffman-logs | wc -l)
if [ "$n" -eq 3 ]; then pass "3 logs: the clean process wrote none"; else fail "$n logs, expected 3"; fi

run_recipe jq-list
if [ "$STATUS" -eq 0 ] && [ "$(wc -l < jq-list.out)" -eq 3 ] &&
	[ "$(grep -c -E '^[0-9]+ lock-order-inversion: potential deadlock: cycle of [23] locks' jq-list.out)" -eq 2 ] &&
	grep -q -E '^[0-9]+ bad-unlock: ' jq-list.out; then pass "jq-list: one line per report, pid, kind and summary"
else fail "jq-list printed:"; cat jq-list.out >&2; fi

run_recipe jq-edges
printsum_line=$(line_of "$top_srcdir/examples/printsum.c" "pthread_mutex_lock(second->lock)")
if [ "$STATUS" -eq 0 ] && grep -q -x -E "print_sum (.*/)?examples/printsum\.c:$printsum_line" jq-edges.out &&
	[ "$(grep -c 'three_lock_cycle\.c:' jq-edges.out)" -ge 1 ]; then
	pass "jq-edges: function file:line of each edge ($(wc -l < jq-edges.out) distinct)"
else fail "jq-edges printed (expected print_sum examples/printsum.c:$printsum_line):"; cat jq-edges.out >&2; fi

run_recipe jq-totals
if [ "$STATUS" -eq 0 ] && [ "$(jq -c '{i: ."lock-order-inversion", b: ."bad-unlock", d: .deadlock}' jq-totals.out)" = '{"i":2,"b":1,"d":0}' ]; then
	pass "jq-totals: 2 inversions, 1 bad unlock, no deadlock over all processes"
else fail "jq-totals printed:"; cat jq-totals.out >&2; fi

run_recipe jq-gate
if [ "$STATUS" -eq 0 ]; then pass "jq-gate passes a run without deadlock"; else fail "jq-gate failed a run without deadlock"; fi
json "$EX/bank_reentrant"    # double-lock: now the gate must close
run_recipe jq-gate
if [ "$STATUS" -ne 0 ]; then pass "jq-gate fails the run once a double-lock is there"; else fail "jq-gate let a double-lock through"; fi
finish
