#!/bin/sh
# Issue 9, item 12: files planted by somebody who owns the directory are never written through.
# (1) --sarif: a symbolic link planted under the old temporary name (PATH.tmp.PID) is not followed: its
#     target stays as it was, and PATH gets the document.
# (2) COFFMAN_LOG=dir/log.%p.txt: a link planted under the expanded name by another user is not
#     followed: one warning on stderr names the path and the reason, the report goes to stderr, the
#     summary says so, the target is untouched.  (Needs root to give the link another owner.)
#     A hard link to another user's file is refused the same way.
# (3) A link owned by the caller is the caller's own naming and is followed (README: "Files and output").
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
RUN_TIMEOUT=20
DIR="$WORK/shared"
mkdir "$DIR"
VICTIM="$WORK/victim"
printf 'precious\n' > "$VICTIM"

victim_intact() {
	if [ "$(cat "$VICTIM")" = precious ]; then pass "the link's target is untouched ($1)"; else
		fail "the link's target was written through ($1):"; head -c 300 "$VICTIM" >&2; printf 'precious\n' > "$VICTIM"; fi
}

# ---- (1) the SARIF temporary name, planted by pid ($$ of the shell that execs the checked program)
sh -c 'ln -s "$1" "$2.tmp.$$" && exec "$3" --log="$4" --sarif="$2" "$5"' planter "$VICTIM" "$DIR/out.sarif" \
	"$COFFMAN" "$LOG" "$PROGS/rep_double_unlock" > "$OUT" 2>&1
STATUS=$?
expect_status 66
victim_intact "SARIF temporary"
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"]; assert [x["ruleId"] for x in r] == ["bad-unlock"]' \
	"$DIR/out.sarif" 2>/dev/null; then pass "the SARIF file holds the bad-unlock result"; else fail "no valid SARIF file"; ls -l "$DIR" >&2; fi
if [ ! -L "$DIR/out.sarif" ]; then pass "the SARIF file is a file of its own"; else fail "the SARIF file is a link"; fi

# ---- (2) the log's expanded name, planted by another user
if [ "$(id -u)" = 0 ]; then
	sh -c 'ln -s "$1" "$2/log.$$.txt" && chown -h 65534 "$2/log.$$.txt" && exec "$3" --log="$2/log.%p.txt" "$4"' \
		planter "$VICTIM" "$DIR" "$COFFMAN" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
	rc=$?
	if [ "$rc" -eq 66 ]; then pass "planted log link: exit status 66"; else fail "planted log link: exit status $rc"; fi
	victim_intact "log"
	if grep -E -q "^==[0-9]+== coffman: warning: reports could not be written to $DIR/log\.[0-9]+\.txt: it is a symbolic link owned by uid 65534, not followed; they go to stderr$" "$WORK/err.txt"; then
		pass "one warning on stderr names the log and the reason"; else fail "no warning naming the log:"; cat "$WORK/err.txt" >&2; fi
	if grep -E -q '^==[0-9]+== coffman: bad-unlock: ' "$WORK/err.txt"; then pass "the report went to stderr"; else
		fail "the report is lost"; cat "$WORK/err.txt" >&2; fi
	if grep -E -q "coffman: summary: .*bad-unlock 1.*; reports in stderr \($DIR/log\.[0-9]+\.txt could not be written: it is a symbolic link owned by uid 65534, not followed\)$" "$WORK/err.txt"; then
		pass "the summary says where the reports went"; else fail "the summary does not say where the reports went:"; cat "$WORK/err.txt" >&2; fi

	# the same for the SARIF path itself: a link planted by another user is not written through
	ln -s "$VICTIM" "$DIR/planted.sarif" && chown -h 65534 "$DIR/planted.sarif"
	run --sarif="$DIR/planted.sarif" -- "$PROGS/rep_double_unlock"
	expect_status 66
	victim_intact "SARIF path"
	expect_log "coffman: warning: COFFMAN_SARIF: cannot write $DIR/planted.sarif: it is a symbolic link owned by uid 65534, not followed" "SARIF: one warning naming the link"

	# a hard link to another user's file, planted as the log
	printf 'precious\n' > "$WORK/theirs"
	chown 65534 "$WORK/theirs"
	ln "$WORK/theirs" "$DIR/hard.log"
	"$COFFMAN" --log="$DIR/hard.log" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
	if [ "$(cat "$WORK/theirs")" = precious ]; then pass "the hard-linked file is untouched"; else
		fail "the hard-linked file was written"; fi
	if grep -E -q "reports could not be written to $DIR/hard.log: it is a hard link to a file owned by uid 65534, not written; they go to stderr" "$WORK/err.txt"; then
		pass "hard link: one warning with the reason"; else fail "hard link: no warning"; cat "$WORK/err.txt" >&2; fi
else
	echo "note: not root: the links owned by another user are not tested"
fi

# ---- (3) a link of the caller's own is followed (to a log file, and to a SARIF file, which is replaced)
: > "$WORK/real.log"
ln -s "$WORK/real.log" "$WORK/mine.log"
"$COFFMAN" --log="$WORK/mine.log" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
if grep -E -q '^==[0-9]+== coffman: bad-unlock: ' "$WORK/real.log" && [ -L "$WORK/mine.log" ]; then
	pass "the caller's own link to a log is followed"; else fail "the caller's own link was not followed"; cat "$WORK/err.txt" >&2; fi
ln -s "$WORK/real.sarif" "$WORK/mine.sarif"
run --sarif="$WORK/mine.sarif" -- "$PROGS/rep_double_unlock"
if [ -L "$WORK/mine.sarif" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/real.sarif" 2>/dev/null; then
	pass "the caller's own link to a SARIF file: the target is written, the link stays"; else
	fail "the caller's own SARIF link"; ls -l "$WORK" >&2; fi
finish
