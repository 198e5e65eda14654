#!/bin/sh
# Issue 9, item 13: no open blocks the host.
# - COFFMAN_LOG naming a FIFO nobody reads, with a configuration warning due before main: the program
#   runs (a warning on stderr says the log cannot be written and why), the reports go to stderr.
# - COFFMAN_LOG naming a FIFO somebody reads: the reader gets the reports.
# - COFFMAN_SUPPRESSIONS naming /dev/zero, a FIFO, a directory or a huge file: a warning naming the
#   file and the reason, no rule used, the program runs and its report is made.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=20
mkfifo "$WORK/fifo"

# plain VAR=VALUE... -- PROGRAM: run under the checker with no --log, stderr in $WORK/err.txt
plain() {
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	local start end
	start=$(date +%s.%N)
	env "${envs[@]}" timeout "$RUN_TIMEOUT" "$COFFMAN" "$@" > "$OUT" 2> "$WORK/err.txt"
	STATUS=$?
	end=$(date +%s.%N)
	ELAPSED=$(echo "$end - $start" | bc)
}

err_has() {
	if grep -E -q -- "$1" "$WORK/err.txt"; then pass "$2"; else fail "$2: stderr lacks $1"; cat "$WORK/err.txt" >&2; fi
}

# ---- a FIFO without reader as the log, a warning due in the constructor
plain COFFMAN_LOG="$WORK/fifo" COFFMAN_NO_SUCH_SETTING=1 -- "$PROGS/status" 7
expect_status 7
expect_faster_than 15
expect_out '^status: n=2$'
err_has "^==[0-9]+== coffman: warning: reports could not be written to $WORK/fifo: it is a FIFO with no reader; they go to stderr$" \
	"a warning on stderr names the FIFO and the reason"
err_has "^==[0-9]+== coffman: warning: unknown variable COFFMAN_NO_SUCH_SETTING" "the configuration warning reaches stderr"
plain COFFMAN_LOG="$WORK/fifo" -- "$PROGS/rep_double_unlock"
expect_status 66
err_has "^==[0-9]+== coffman: bad-unlock: " "the report reaches stderr"

# ---- a FIFO with a reader: it gets the reports
# The reader is this shell, with the FIFO open before the program starts (a reader started in the
# background may not have reached its open() yet on a loaded machine: the program then rightly sees no
# reader).  Read-write, so that the open does not wait for a writer; the report fits the pipe's buffer.
exec 5<> "$WORK/fifo"
plain COFFMAN_LOG="$WORK/fifo" -- "$PROGS/rep_double_unlock"
expect_status 66
while IFS= read -r -t 2 -u 5 line; do printf '%s\n' "$line"; done > "$WORK/fifo.out"
exec 5>&-
if grep -E -q '^==[0-9]+== coffman: bad-unlock: ' "$WORK/fifo.out"; then pass "the FIFO's reader got the report"; else
	fail "the FIFO's reader got no report"; cat "$WORK/fifo.out" "$WORK/err.txt" >&2; fi

# ---- suppression files that are not regular files of sane size
mkdir "$WORK/dir"
head -c 2000000 /dev/zero | tr '\0' '#' > "$WORK/huge.supp"
for f in /dev/zero "$WORK/fifo" "$WORK/dir" "$WORK/huge.supp"; do
	plain COFFMAN_SUPPRESSIONS="$f" -- "$PROGS/rep_double_unlock"
	expect_status 66
	expect_faster_than 15
	case "$f" in
	*huge*) why="larger than 1048576 bytes" ;;
	*) why="not a regular file" ;;
	esac
	err_has "^==[0-9]+== coffman: warning: COFFMAN_SUPPRESSIONS: cannot read $f: $why; no suppressions are used$" \
		"suppressions $f: one warning ($why)"
	err_has "^==[0-9]+== coffman: bad-unlock: " "suppressions $f: the program still runs and is checked"
done
finish
