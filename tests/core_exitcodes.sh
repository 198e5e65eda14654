#!/bin/sh
# Exit status and configuration: COFFMAN_EXITCODE / --exitcode, the program's own status, warnings for
# malformed values and unknown variables, COFFMAN_LOG with %p, and the launcher's own errors.
. "$top_srcdir/tests/lib.sh"

# warn_once VAR FILE: FILE holds exactly one coffman warning line, and it names VAR
warn_once() {
	n=$(grep -c -E '^(==[0-9]+== )?coffman: warning: .*'"$1" "$2")
	all=$(grep -c -E 'coffman: warning' "$2")
	if [ "$n" -eq 1 ] && [ "$all" -eq 1 ]; then pass "one warning naming $1 in $(basename "$2")"; else
		fail "$n warnings naming $1 ($all warnings in all) in $(basename "$2"), expected 1"
		echo "---- $2 ----" >&2; cat "$2" >&2; fi
}

# ---- the exit code after a report
export COFFMAN_EXITCODE=3
run -- "$PROGS/abba"
unset COFFMAN_EXITCODE
expect_kind lock-order-inversion
expect_status 3
run --exitcode=4 -- "$PROGS/abba"
expect_kind lock-order-inversion
expect_status 4
# a process the checker ends (self-deadlock) exits with it too
export COFFMAN_EXITCODE=3
run -- "$PROGS/doublelock" normal
unset COFFMAN_EXITCODE
expect_kind double-lock
expect_status 3
expect_faster_than 5

# ---- COFFMAN_EXITCODE=0 keeps the program's own status (and the report is still made)
export COFFMAN_EXITCODE=0
run -- "$PROGS/abba" 5
expect_kind lock-order-inversion
expect_status 5
run -- "$PROGS/abba"
expect_status 0
unset COFFMAN_EXITCODE
run --exitcode=0 -- "$PROGS/abba" 9
expect_kind lock-order-inversion
expect_status 9

# ---- a clean program's own status passes through
run -- "$PROGS/status" 7
expect_no_report
expect_status 7
expect_out '^status: n=2$'
run -- "$PROGS/status"
expect_no_report
expect_status 0

# ---- malformed value: a one-line warning naming the variable, the program still runs
export COFFMAN_EXITCODE=abc
run -- "$PROGS/status" 7
unset COFFMAN_EXITCODE
expect_status 7
expect_out '^status: n=2$'
warn_once COFFMAN_EXITCODE "$LOG"
# the default exit code still applies after a report
export COFFMAN_EXITCODE=abc
run -- "$PROGS/abba"
unset COFFMAN_EXITCODE
expect_kind lock-order-inversion
expect_status 66
# without a log file the warning goes to stderr
COFFMAN_EXITCODE=abc "$COFFMAN" "$PROGS/status" 7 > "$WORK/plain.out" 2> "$WORK/plain.err"
rc=$?
if [ "$rc" -eq 7 ]; then pass "stderr run: exit status 7"; else fail "stderr run: exit status $rc, expected 7"; fi
warn_once COFFMAN_EXITCODE "$WORK/plain.err"
export COFFMAN_WATCHDOG=soon
run -- "$PROGS/status" 7
unset COFFMAN_WATCHDOG
expect_status 7
warn_once COFFMAN_WATCHDOG "$LOG"

# ---- unknown variable: a one-line warning naming it, the program still runs
export COFFMAN_FOO=1
run -- "$PROGS/status" 7
unset COFFMAN_FOO
expect_status 7
expect_out '^status: n=2$'
warn_once COFFMAN_FOO "$LOG"
COFFMAN_FOO=1 "$COFFMAN" "$PROGS/status" > "$WORK/plain.out" 2> "$WORK/plain.err"
rc=$?
if [ "$rc" -eq 0 ]; then pass "stderr run: exit status 0"; else fail "stderr run: exit status $rc, expected 0"; fi
warn_once COFFMAN_FOO "$WORK/plain.err"

# ---- COFFMAN_LOG with %p: the file is named with the pid of the process that wrote it
mkdir "$WORK/logs"
COFFMAN_LOG="$WORK/logs/report.%p.log" "$COFFMAN" "$PROGS/abba" > "$WORK/plain.out" 2> "$WORK/plain.err"
rc=$?
if [ "$rc" -eq 66 ]; then pass "COFFMAN_LOG run: exit status 66"; else fail "COFFMAN_LOG run: exit status $rc, expected 66"; fi
files=$(ls "$WORK/logs")
case "$files" in
report.[0-9]*.log)
	pid=${files#report.}; pid=${pid%.log}
	f="$WORK/logs/$files"
	if [ "$(printf '%s\n' "$files" | wc -l)" -eq 1 ] && grep -q -E "^==$pid== coffman: lock-order-inversion" "$f"; then
		pass "report in report.$pid.log, from pid $pid"
	else
		fail "log files: $files"; cat "$f" >&2
	fi
	if grep -q -F "reports in $f" "$f"; then pass "summary names the expanded path"; else
		fail "summary does not name $f"; cat "$f" >&2; fi
	;;
*)
	fail "expected one file report.PID.log, got: '$files'" ;;
esac
if grep -q 'coffman' "$WORK/plain.err"; then fail "COFFMAN_LOG run still wrote to stderr:"; cat "$WORK/plain.err" >&2; else
	pass "COFFMAN_LOG run: nothing from coffman on stderr"; fi

# ---- the launcher
"$COFFMAN" --help > "$WORK/help.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "--help exits 0"; else fail "--help exits $rc"; fi
for opt in --watchdog --log --exitcode; do
	if grep -q -e "$opt" "$WORK/help.out"; then pass "--help lists $opt"; else fail "--help does not list $opt"; fi
done

"$COFFMAN" --bogus "$PROGS/status" > "$WORK/bad.out" 2> "$WORK/bad.err"
rc=$?
if [ "$rc" -eq 2 ]; then pass "unknown option exits 2"; else fail "unknown option exits $rc, expected 2"; fi
if grep -q -e "--bogus" "$WORK/bad.err"; then pass "the message names --bogus"; else
	fail "no message naming --bogus:"; cat "$WORK/bad.err" >&2; fi
if [ -s "$WORK/bad.out" ]; then fail "the program ran despite the bad option"; else pass "the program did not run"; fi

"$COFFMAN" --exitcode=abc "$PROGS/status" > "$WORK/bad.out" 2> "$WORK/bad.err"
rc=$?
if [ "$rc" -eq 2 ]; then pass "--exitcode=abc exits 2"; else fail "--exitcode=abc exits $rc, expected 2"; fi
if grep -q -e "--exitcode" "$WORK/bad.err"; then pass "the message names --exitcode"; else
	fail "no message naming --exitcode:"; cat "$WORK/bad.err" >&2; fi

"$COFFMAN" "$WORK/no-such-program" > "$WORK/bad.out" 2> "$WORK/bad.err"
rc=$?
if [ "$rc" -eq 127 ]; then pass "missing program exits 127"; else fail "missing program exits $rc, expected 127"; fi
if grep -q "no-such-program" "$WORK/bad.err"; then pass "the message names the program"; else
	fail "no message naming the missing program:"; cat "$WORK/bad.err" >&2; fi
"$COFFMAN" coffman-no-such-program-on-path > "$WORK/bad.out" 2> "$WORK/bad.err"
rc=$?
if [ "$rc" -eq 127 ]; then pass "missing program on PATH exits 127"; else fail "missing program on PATH exits $rc, expected 127"; fi

# ---- a statically linked program: one line saying so, and it still runs
if ${CC:-cc} -static -O0 -g -pthread -o "$WORK/static_status" "$top_srcdir/tests/progs/status.c" >/dev/null 2>&1 &&
	"$WORK/static_status" 4 >/dev/null 2>&1; [ $? -eq 4 ] && [ -x "$WORK/static_status" ]; then
	"$COFFMAN" "$WORK/static_status" 4 > "$WORK/static.out" 2> "$WORK/static.err"
	rc=$?
	if [ "$rc" -eq 4 ]; then pass "static program: its own status 4"; else fail "static program: status $rc, expected 4"; fi
	n=$(grep -c "statically linked" "$WORK/static.err")
	lines=$(grep -c . "$WORK/static.err")
	if [ "$n" -eq 1 ] && [ "$lines" -eq 1 ]; then pass "one line saying 'statically linked'"; else
		fail "expected one 'statically linked' line on stderr, got:"; cat "$WORK/static.err" >&2; fi
	if grep -q '^status: n=2$' "$WORK/static.out"; then pass "static program ran"; else fail "static program did not run"; fi
else
	echo "skip: cannot link statically here"
fi
finish
