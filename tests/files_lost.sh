#!/bin/sh
# Issue 9, item 14: reports are never lost without a word.
# - COFFMAN_LOG that cannot be opened (missing directory, a directory) or written (/dev/full): one
#   warning on stderr names the path and the reason, the report goes to stderr, the summary says so.
# - _exit() while another thread writes a report: the report is finished first.
# - a daemon that closes every descriptor: the report still reaches the stderr file it started with;
#   one that closes all above stderr, started with `> f 2>&1`: reports and its output take turns in f
#   (0526b42 reopened f by path, appending, and the program's next lines overwrote the reports).
# - the program dies after a finding (abort, SIGSEGV): the finding is in the SARIF file; after _exit,
#   which ends coffman's run as exit() does (tests/report_quick_exit.sh), the document is complete.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
RUN_TIMEOUT=20
SRC="$top_srcdir/tests/progs/files_daemon.c"
DAEMON_LINE=$(line_of "$SRC" '/* BAD-UNLOCK */')

err_has() {
	if grep -E -q -- "$1" "$WORK/err.txt"; then pass "$2"; else fail "$2: stderr lacks $1"; cat "$WORK/err.txt" >&2; fi
}

# ---- a log that cannot be opened or written
mkdir "$WORK/dir"
for log in "$WORK/no-such-dir/x.log:No such file or directory" "$WORK/dir:Is a directory" \
	"/dev/full:No space left on device"; do
	path=${log%%:*}
	why=${log#*:}
	timeout "$RUN_TIMEOUT" "$COFFMAN" --log="$path" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
	STATUS=$?
	expect_status 66
	err_has "^==[0-9]+== coffman: warning: reports could not be written to $path: $why; they go to stderr$" \
		"log $path: a warning names it and the reason"
	err_has "^==[0-9]+== coffman: bad-unlock: " "log $path: the report is on stderr"
	err_has "coffman: summary: .*bad-unlock 1.*; reports in stderr \($path could not be written: $why\)$" \
		"log $path: the summary says where the reports went"
	n=$(grep -c 'reports could not be written' "$WORK/err.txt")
	if [ "$n" -eq 1 ]; then pass "log $path: exactly one such warning"; else fail "log $path: $n such warnings"; fi
done
if [ "$(id -u)" != 0 ]; then
	: > "$WORK/ro.log"
	chmod 444 "$WORK/ro.log"
	timeout "$RUN_TIMEOUT" "$COFFMAN" --log="$WORK/ro.log" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
	err_has "reports could not be written to $WORK/ro.log: Permission denied; they go to stderr$" "a read-only log: a warning"
fi

# ---- _exit while another thread is writing a report (see the program for how "while" is made sure)
timeout 60 "$COFFMAN" "$PROGS/files_exit_inflight" > "$OUT" 2>&1
if grep -q 'cannot read /proc/self/task' "$OUT"; then
	echo "note: /proc/self/task/TID/syscall is not readable here: the _exit case is skipped"
else
	expect_out '^child: the report is being written; _exit\(3\)$'
	expect_out '^parent: child exit status 66$'
	expect_out '^==[0-9]+== coffman: bad-unlock: T2 unlocks L1 \(mutex\) that is not locked$'
	expect_out '^==[0-9]+==   T2 \(tid [0-9]+\) was created by T1 at:$'
fi

# ---- a daemon closes every descriptor (coffman's included) and reopens 0-2 on /dev/null
timeout "$RUN_TIMEOUT" "$COFFMAN" "$PROGS/files_daemon" > "$OUT" 2> "$WORK/err.txt"
STATUS=$?
expect_status 66
err_has "^==[0-9]+== coffman: bad-unlock: T1 unlocks L1 \(mutex\) that is not locked$" "the daemon's report reached its first stderr"
err_has "#0 0x[0-9a-f]+ main .*files_daemon\.c:$DAEMON_LINE \(files_daemon\)" "the report names main files_daemon.c:$DAEMON_LINE"

# ---- a daemon closes every descriptor above stderr, its stdout and stderr one file (`> f 2>&1`)
SHARED_LINE=$(line_of "$SRC" '/* SHARED-BAD-UNLOCK */')
timeout "$RUN_TIMEOUT" "$COFFMAN" "$PROGS/files_daemon" shared > "$WORK/err.txt" 2>&1
STATUS=$?
expect_status 66
for n in 1 2 3; do err_has "^files_daemon: line $n$" "the program's line $n is whole"; done
n=$(grep -c -E '^==[0-9]+== coffman: bad-unlock: T1 unlocks L[12] \(mutex\) that is not locked$' "$WORK/err.txt")
if [ "$n" -eq 2 ]; then pass "both reports are whole"; else fail "$n whole report headers, expected 2"; cat "$WORK/err.txt" >&2; fi
err_has "#0 0x[0-9a-f]+ shared .*files_daemon\.c:$SHARED_LINE \(files_daemon\)" "the first report names shared files_daemon.c:$SHARED_LINE"
err_has "^==[0-9]+== coffman: summary: " "the summary is whole"
if awk '/line 1$/ {a = NR} !b && /coffman: bad-unlock: T1 unlocks L1/ {b = NR} /line 2$/ {c = NR} /line 3$/ {d = NR}
	END {exit !(a < b && b < c && c < d)}' "$WORK/err.txt"; then pass "lines and reports in the order they were made"; else
	fail "lines and reports out of order"; cat "$WORK/err.txt" >&2; fi

# the same with stderr a pipe (which cannot be reopened by path: 0526b42 lost every report)
timeout "$RUN_TIMEOUT" "$COFFMAN" "$PROGS/files_daemon" shared 2>&1 > /dev/null | cat > "$WORK/err.txt"
n=$(grep -c -E '^==[0-9]+== coffman: (bad-unlock: T1 unlocks L[12] \(mutex\) that is not locked|summary: .*bad-unlock 2)' "$WORK/err.txt")
if [ "$n" -eq 3 ]; then pass "stderr a pipe: both reports and the summary came through it"; else
	fail "stderr a pipe: $n of 2 reports and the summary"; cat "$WORK/err.txt" >&2; fi

# ---- the program dies after a finding: the SARIF file already holds it (no core files, please)
ulimit -c 0
for how in abort segv _exit; do
	rm -f "$WORK/crash.sarif"
	run --sarif="$WORK/crash.sarif" -- "$PROGS/files_crash" "$how"
	case $how in abort) want=134 complete=False ;; segv) want=139 complete=False ;; _exit) want=66 complete=True ;; esac
	expect_status $want
	if python3 -c '
import json, sys
log = json.load(open(sys.argv[1]))
run = log["runs"][0]
assert [r["ruleId"] for r in run["results"]] == ["bad-unlock"], run["results"]
assert run["invocations"][0]["properties"]["complete"] is (sys.argv[2] == "True"), run["invocations"]
' "$WORK/crash.sarif" $complete 2> "$WORK/py.err"; then pass "$how: the SARIF file holds the bad-unlock finding (complete: $complete)"; else
		fail "$how: no SARIF finding:"; cat "$WORK/py.err" >&2; fi
done
# a normal exit marks the document complete
run --sarif="$WORK/done.sarif" -- "$PROGS/rep_double_unlock"
if python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["runs"][0]["invocations"][0]["properties"]["complete"] is True' \
	"$WORK/done.sarif" 2>/dev/null; then pass "exit(): the document is marked complete"; else fail "exit(): not marked complete"; fi
finish
