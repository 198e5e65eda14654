#!/bin/sh
# A program that writes its process title over its environment strings (setproctitle, as nginx,
# PostgreSQL, Redis and Chromium's child processes do), then has a lock-order inversion: the report,
# the SARIF file, the profile and the graph file still go to the paths the user named — coffman keeps
# its own copies of them — and no other file appears (a path read from the clobbered environment named
# "" or the title's text: reports lost, a stray ".folded" file made in the working directory).
. "$top_srcdir/tests/lib.sh"
mkdir -p "$WORK/cwd"
cd "$WORK/cwd" || exit 1
run --sarif="$WORK/named.sarif" --profile="$WORK/named.pb" --graph-dir="$WORK/graphs" -- "$PROGS/files_proctitle"
expect_status 66
expect_kind lock-order-inversion
expect_out '^files_proctitle: done$'
expect_log "cycle: L[0-9] 'first_lock' -> L[0-9] 'second_lock' -> L[0-9] 'first_lock'" "the report, in the named log"
if [ -s "$WORK/named.sarif" ] && grep -q '"ruleId": *"lock-order-inversion"' "$WORK/named.sarif"; then
	pass "SARIF written to the named file"; else fail "no SARIF at the named path"; ls -la "$WORK" >&2; fi
if [ -s "$WORK/named.pb" ] && [ -e "$WORK/named.pb.folded" ]; then pass "profile written to the named files"; else
	fail "no profile at the named path"; ls -la "$WORK" >&2; fi
if ls "$WORK/graphs/"*.graph.jsonl > /dev/null 2>&1; then pass "graph file in the named directory"; else
	fail "no graph file"; fi
stray=$(ls -A "$WORK/cwd")
if [ -z "$stray" ]; then pass "no file made in the working directory"; else fail "stray files: $stray"; fi
if grep -E -q "could not be written|cannot write" "$OUT" "$LOG"; then fail "a write failed:"; show; else
	pass "no write failed"; fi

# Relative paths, and a program that changes directory before it writes (a daemon's chdir("/")): the
# files are where coffman was started, through the launcher and through LD_PRELOAD alike.
mkdir -p "$WORK/start" "$WORK/elsewhere"
cd "$WORK/start" || exit 1
"$COFFMAN" --log=rel.log --sarif=rel.sarif --profile=rel.pb -- "$PROGS/files_proctitle" chdir "$WORK/elsewhere" \
	> "$OUT" 2>&1
STATUS=$?
expect_status 66
if [ -s rel.log ] && [ -s rel.sarif ] && [ -s rel.pb ] && [ -z "$(ls -A "$WORK/elsewhere")" ]; then
	pass "launcher: relative paths name files where it started"; else
	fail "launcher: start: $(ls -A .), elsewhere: $(ls -A "$WORK/elsewhere")"; fi
COFFMAN_LOG=env.log LD_PRELOAD="$top_builddir/.libs/libcoffman.so" "$PROGS/files_proctitle" chdir "$WORK/elsewhere" \
	> "$OUT" 2>&1
if [ -s env.log ] && [ -z "$(ls -A "$WORK/elsewhere")" ]; then pass "LD_PRELOAD: a relative COFFMAN_LOG too"; else
	fail "LD_PRELOAD: start: $(ls -A .), elsewhere: $(ls -A "$WORK/elsewhere")"; fi
cd "$WORK" || exit 1
finish
