#!/bin/sh
# Issue 9, item 17: with COFFMAN_FORMAT=json every line coffman writes is one JSON object: the reports,
# the warnings ("kind":"warning") and the exit summary ("kind":"summary", with the counts and where the
# reports went), in the log and on stderr alike.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }

# json_lines FILE SCRIPT: every line of FILE is a JSON object; SCRIPT then checks `lines` (the objects)
json_lines() {
	if python3 -c '
import json, sys
lines = []
for n, text in enumerate(open(sys.argv[1]), 1):
    try:
        obj = json.loads(text)
    except ValueError as e:
        sys.exit("line %d is not JSON: %r (%s)" % (n, text, e))
    assert isinstance(obj, dict), (n, obj)
    lines.append(obj)
print("every line of %s is a JSON object (%d lines)" % (sys.argv[1].rsplit("/", 1)[-1], len(lines)))
'"$2" "$1" > "$WORK/check.out" 2>&1; then
		while read -r line; do pass "$line"; done < "$WORK/check.out"
	else
		fail "JSON lines check failed:"; cat "$WORK/check.out" >&2; cat "$1" >&2
	fi
}

# ---- the log: a warning, a report, the summary
COFFMAN_NO_SUCH_SETTING=1 run --format=json -- "$PROGS/rep_abba"
expect_status 66
json_lines "$LOG" '
kinds = [l["kind"] for l in lines]
assert kinds == ["warning", "lock-order-inversion", "summary"], kinds
w = lines[0]
assert w["coffman"] == 1 and isinstance(w["pid"], int) and "COFFMAN_NO_SUCH_SETTING" in w["message"], w
s = lines[-1]
assert s["counts"]["lock-order-inversion"] == 1 and sum(s["counts"].values()) == 1, s
assert s["suppressed"] == 0 and s["reports_in"] == sys.argv[1], s
print("a warning object, the report, and the summary object (counts, reports_in)")
'

# ---- stderr, no log: the same
COFFMAN_FORMAT=json timeout 30 "$COFFMAN" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
json_lines "$WORK/err.txt" '
assert [l["kind"] for l in lines] == ["bad-unlock", "summary"], lines
assert lines[-1]["reports_in"] == "stderr", lines[-1]
print("stderr: the report and the summary object")
'

# ---- a log that cannot be opened: the warning about it is an object too
COFFMAN_FORMAT=json timeout 30 "$COFFMAN" --log="$WORK/no-such-dir/x.log" "$PROGS/rep_double_unlock" > "$OUT" 2> "$WORK/err.txt"
json_lines "$WORK/err.txt" '
assert [l["kind"] for l in lines] == ["warning", "bad-unlock", "summary"], lines
assert "reports could not be written to" in lines[0]["message"], lines[0]
assert "could not be written" in lines[-1]["reports_in"], lines[-1]
print("unopenable log: warning, report and summary objects on stderr")
'
finish
