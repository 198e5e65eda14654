# Shared helpers for the end-to-end tests: run a program under the checker, then assert on the report.
# Sourced by tests/*.sh; Automake runs each with top_builddir/top_srcdir set.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
COFFMAN="$top_builddir/coffman"
PROGS="$top_builddir/tests/progs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffman-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/report.log"
OUT="$WORK/program.out"
STATUS=0
ELAPSED=0
FAILED=0

# How a hang report introduces what a lock's holder is doing now: sampled with a signal ("is running
# here now"), or, asleep in a call a signal would cut short (sleep, nanosleep, poll...), walked from
# outside ("waits in clock_nanosleep() here now (not interrupted)").  Follows "TN, which holds LN, ".
HOLDER_NOW_RE='(is running|waits in [a-z_0-9]+\(\)|is in system call [0-9]+) here now( \(not interrupted\))?:'

# run [coffman options...] -- PROGRAM [ARGS...]: report in $LOG, program output in $OUT, exit in $STATUS
run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
	shift
	: > "$LOG"
	local start end
	start=$(date +%s.%N)
	timeout -k 5 "${RUN_TIMEOUT:-30}" "$COFFMAN" --log="$LOG" "${opts[@]}" -- "$@" > "$OUT" 2>&1
	STATUS=$?
	end=$(date +%s.%N)
	ELAPSED=$(echo "$end - $start" | bc)
}

fail() {
	echo "FAIL: $*" >&2
	FAILED=1
}

pass() {
	echo "ok: $*"
}

# expect_status N
expect_status() {
	if [ "$STATUS" -eq "$1" ]; then pass "exit status $1"; else fail "exit status $STATUS, expected $1"; show; fi
}

# expect_kind KIND: the first report's header names KIND
expect_kind() {
	local first
	first=$(grep -E -m1 '^(==[0-9]+== )?coffman: (lock-order-inversion|double-lock|bad-unlock|destroy-locked|deadlock|hang|exit-holding|cond-misuse|use-after-destroy|reinit-live|starvation|livelock)\b' "$LOG" \
		| sed -E 's/^(==[0-9]+== )?coffman: ([a-z-]+).*/\2/')
	if [ "$first" = "$1" ]; then pass "report kind $1"; else fail "report kind '${first:-none}', expected $1"; show; fi
}

# expect_count KIND N: exactly N reports of KIND
expect_count() {
	local n
	n=$(grep -E -c "^(==[0-9]+== )?coffman: $1\b" "$LOG")
	if [ "$n" -eq "$2" ]; then pass "$2 x $1"; else fail "$n reports of $1, expected $2"; show; fi
}

# expect_no_report: the log holds no report at all (and no summary)
expect_no_report() {
	if [ -s "$LOG" ]; then fail "expected no report, got:"; show; else pass "no report"; fi
}

# expect_log REGEX [what]: an extended regex matches some line of the report
expect_log() {
	if grep -E -q -- "$1" "$LOG"; then pass "${2:-log matches $1}"; else fail "${2:-log lacks $1}"; show; fi
}

# expect_no_log REGEX
expect_no_log() {
	if grep -E -q -- "$1" "$LOG"; then fail "log unexpectedly matches $1"; show; else pass "log lacks $1"; fi
}

# expect_stress_clean OUT_REGEX PROGRAM [ARG...]: a stress program run twice, without and with the
# contention profile (whose fast paths differ): each run ends with status 0 and prints the program's
# own line OUT_REGEX; the first reports nothing, the second nothing besides the profile's table.
# Starvation is not what such runs check (six threads on a few locks on a loaded machine may well
# starve one), so it is turned off, for the rest of the script too.
expect_stress_clean() {
	stress_re=$1; shift
	COFFMAN_STARVATION=off; export COFFMAN_STARVATION
	run -- "$@"
	expect_no_report
	expect_status 0
	expect_out "$stress_re"
	run --profile="$WORK/stress.prof" -- "$@"
	expect_no_log '^==[0-9]+== coffman: (lock-order-inversion|double-lock|bad-unlock|deadlock|hang|starvation|livelock|[a-z-]+-[a-z-]+):'
	expect_log 'coffman: profile' "the profile table"
	expect_status 0
	expect_out "$stress_re"
}

# expect_out REGEX: the program's own output
expect_out() {
	if grep -E -q -- "$1" "$OUT"; then pass "output matches $1"; else fail "output lacks $1"; cat "$OUT" >&2; fi
}

# expect_faster_than SECONDS
expect_faster_than() {
	if [ "$(echo "$ELAPSED < $1" | bc)" -eq 1 ]; then pass "ended in ${ELAPSED}s (< $1 s)"; else fail "took ${ELAPSED}s, limit $1 s"; fi
}

# cpu_seconds: the user + system time of this shell's finished children so far (bash's `times`, run in
# this shell: in a command substitution it would count the subshell's children only)
cpu_seconds() {
	times > "$WORK/times"
	sed -n 2p "$WORK/times" | awk '{
		t = 0
		for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
		print t }'
}

# build_with_lib NAME: tests/progs/NAME_lib.c built as $WORK/libNAME.so, and tests/progs/NAME.c linked
# against it as $WORK/NAME (found at run time through its rpath); skips the test if either fails
build_with_lib() {
	if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$WORK/lib$1.so" "$top_srcdir/tests/progs/$1_lib.c" 2> "$WORK/cc.err" ||
	   ! ${CC:-cc} -g -O0 -pthread -o "$WORK/$1" "$top_srcdir/tests/progs/$1.c" "$WORK/lib$1.so" -Wl,-rpath,"$WORK" \
		2>> "$WORK/cc.err"; then
		echo "cannot build the program:"; cat "$WORK/cc.err"; exit 77
	fi
}

# line_of FILE PATTERN: the line number of the first line of FILE matching PATTERN (fixed string)
line_of() {
	grep -n -F -m1 -- "$2" "$1" | cut -d: -f1
}

show() {
	if [ "${SHOWN:-0}" = 0 ]; then
		echo "---- report log ----" >&2; cat "$LOG" >&2
		echo "---- program output ----" >&2; cat "$OUT" >&2
		SHOWN=1
	fi
}

finish() {
	exit "$FAILED"
}
