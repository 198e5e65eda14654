#!/bin/sh
# A process that leaves through _exit (lld always does) ends coffman's run as exit() does: the summary
# line, the exit status after a report (66, or the program's own with --exitcode=0), the SARIF document
# marked complete; not the profile (symbolizing it takes long while the program's other threads run on,
# which _exit was meant to end: Firefox crashed); the program's stdout buffer stays unflushed.  A
# vfork child's _exit(127) after a failed exec keeps its 127 (it shares the parent's memory, not its
# run).  Without a report, _exit's status and silence are the program's.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
P="$PROGS/quick_exit"

echo "---- a report, then _exit(7)"
"$P" report > "$WORK/native.out" 2>&1
run --sarif="$WORK/q.sarif" -- "$P" report
expect_kind bad-unlock
expect_status 66
expect_log "coffman: summary: lock-order-inversion 0, double-lock 0, bad-unlock 1," "the summary line"
if grep -q "in stdout's buffer" "$OUT"; then fail "the program's stdout buffer was flushed"; else
	pass "the program's stdout buffer left unflushed, as natively"; fi
if python3 -c '
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert [r["ruleId"] for r in run["results"]] == ["bad-unlock"], run["results"]
assert run["invocations"][0]["properties"]["complete"] is True, run["invocations"]
' "$WORK/q.sarif" 2> "$WORK/py.err"; then pass "SARIF: the finding, document complete"; else
	fail "SARIF:"; cat "$WORK/py.err" >&2; fi

echo "---- --exitcode=0 keeps _exit's status"
run --exitcode=0 -- "$P" report
expect_status 7
expect_log "coffman: summary: .* bad-unlock 1," "the summary line"

echo "---- no profile at _exit (it takes long while the program's other threads run on)"
run --profile="$WORK/q.pprof" -- "$P" report
expect_status 66
expect_log "coffman: summary: .* bad-unlock 1," "the summary line"
if [ -e "$WORK/q.pprof" ]; then fail "a profile was written at _exit"; else pass "no profile"; fi

echo "---- a vfork child's _exit(127) stays 127"
run -- "$P" vfork
expect_status 66
expect_out '^quick_exit: vfork child exit status 127$'
expect_count bad-unlock 1
if [ "$(grep -c 'coffman: summary:' "$LOG")" = 1 ]; then pass "one summary, the parent's"; else
	fail "summaries: $(grep -c 'coffman: summary:' "$LOG"), expected 1"; fi

echo "---- no report: _exit's status, nothing printed"
run -- "$P" clean
expect_status 7
expect_no_report
if grep -q "coffman" "$LOG" "$OUT"; then fail "coffman printed something"; else pass "nothing from coffman"; fi
finish
