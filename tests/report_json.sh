#!/bin/sh
# COFFMAN_FORMAT=json: one valid JSON object per report, on a line of its own (no "==PID==" prefix), with
# the kind, the locks' names, every edge's thread, locks and stacks (function, file, line), strings
# escaped; the at-exit summary is a JSON object too ("kind":"summary"), so the log is JSON lines.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
ABBA="$top_srcdir/tests/progs/rep_abba.c"
DOUBLE="$top_srcdir/tests/progs/rep_double_unlock.c"
export HOLD_A=$(line_of "$ABBA" 'pthread_mutex_lock(&lock_a);')
export LOCK_AB=$(line_of "$ABBA" '/* LOCK-AB */')
export HOLD_B=$(grep -n -F 'pthread_mutex_lock(&lock_b);' "$ABBA" | grep -v -F 'LOCK-AB' | head -1 | cut -d: -f1)
export LOCK_BA=$(line_of "$ABBA" '/* LOCK-BA */')
export UNLOCK_AGAIN=$(line_of "$DOUBLE" '/* UNLOCK-AGAIN */')

# check_json SCRIPT: run the python SCRIPT (stdin: the report lines of $LOG, one JSON object each)
check_json() {
	if grep -v '"kind":"summary"' "$LOG" | python3 -c "$1" > "$WORK/check.out" 2>&1; then
		while read -r line; do pass "$line"; done < "$WORK/check.out"
	else
		fail "JSON check failed:"; cat "$WORK/check.out" >&2; show
	fi
}

# Every line of the log parses as a JSON object, the last is the summary, and $1 are reports.
check_lines() {
	if python3 -c 'import json,sys; assert all(isinstance(json.loads(l), dict) for l in open(sys.argv[1]))' "$LOG" 2>"$WORK/err"; then
		pass "every line of the log is a JSON object"
	else
		fail "invalid JSON:"; cat "$WORK/err" >&2; show
	fi
	n=$(grep -v -c '"kind":"summary"' "$LOG")
	if [ "$n" -eq "$1" ]; then pass "$1 JSON report line(s)"; else fail "$n JSON report lines, expected $1"; show; fi
	if tail -n 1 "$LOG" | grep -q '^{"coffman":1,"pid":[0-9]*,"kind":"summary",'; then pass "the summary object ends the log"; else
		fail "no summary object at the end of the log"; show; fi
}

# --- an inversion
run --format=json -- "$PROGS/rep_abba"
expect_status 66
expect_out '^shared=2$'
check_lines 1
expect_log '^\{"coffman":1,"pid":[0-9]+,"kind":"lock-order-inversion",' "the object starts the line, no prefix"
expect_no_log '^==[0-9]+== coffman: lock-order-inversion' 
expect_log '^\{"coffman":1,"pid":[0-9]+,"kind":"summary","counts":\{"lock-order-inversion":1,"double-lock":0,"bad-unlock":0,"destroy-locked":0,"deadlock":0,"hang":0,"exit-holding":0,"cond-misuse":0,"use-after-destroy":0,"reinit-live":0[^}]*\},"suppressed":0,"reports_in":"[^"]*report\.log"\}$' "the summary is a JSON object"
check_json '
import json, os, sys
r = json.loads(sys.stdin.readline())
def line(k): return int(os.environ[k])
assert r["coffman"] == 1 and isinstance(r["pid"], int), r
assert r["kind"] == "lock-order-inversion", r["kind"]
assert "cycle of 2 locks in 2 threads" in r["summary"], r["summary"]
locks = {l["id"]: l for l in r["locks"]}
names = {l["name"]: l["id"] for l in r["locks"]}
assert set(names) == {"lock_a", "lock_b"}, names
for l in r["locks"]:
    assert l["type"] == "mutex" and l["address"].startswith("0x") and int(l["address"], 16) > 0, l
    assert l["created"]["how"] == "first-use", l
print("kind, summary, locks lock_a and lock_b (mutex, address, first use)")
a, b = names["lock_a"], names["lock_b"]
assert r["cycle"] in ([a, b, a], [b, a, b]), r["cycle"]
print("cycle", r["cycle"])
threads = {t["id"]: t for t in r["threads"]}
assert len(r["edges"]) == 2, r["edges"]
def top(frames, func, key, what, whole_stack=True):
    f = frames[0]
    assert f["function"] == func, (what, f)
    assert f["file"].endswith("tests/progs/rep_abba.c"), (what, f)
    assert f["line"] == line(key), (what, f, line(key))
    assert f["object"] == "rep_abba" and f["pc"].startswith("0x") and isinstance(f["inlined"], bool), (what, f)
    # An edge stack is the whole call chain; the site of a held lock is the one frame that took it.
    if whole_stack:
        assert frames[-1]["function"] in ("first", "second"), (what, frames)
ab = [e for e in r["edges"] if e["from"] == a and e["to"] == b]
ba = [e for e in r["edges"] if e["from"] == b and e["to"] == a]
assert len(ab) == 1 and len(ba) == 1, r["edges"]
top(ab[0]["stack"], "take_a_then_b", "LOCK_AB", "edge a->b")
top(ab[0]["held_stack"], "take_a_then_b", "HOLD_A", "a held", whole_stack=False)
top(ba[0]["stack"], "take_b_then_a", "LOCK_BA", "edge b->a")
top(ba[0]["held_stack"], "take_b_then_a", "HOLD_B", "b held", whole_stack=False)
print("edge a->b at take_a_then_b line %d, lock_a held since line %d" % (line("LOCK_AB"), line("HOLD_A")))
print("edge b->a at take_b_then_a line %d, lock_b held since line %d" % (line("LOCK_BA"), line("HOLD_B")))
assert ab[0]["thread"] != ba[0]["thread"], r["edges"]
for e in r["edges"]:
    t = threads[e["thread"]]
    assert t["num"] == int(t["id"][1:]) and t["tid"] > 0 and t["created_by"] == "T1" and not t["main"], t
    assert t["create_stack"][0]["function"] == "main", t
print("both edges name their thread, created by T1 in main")
assert r["waits"] == [] and r["stacks"] == [] and isinstance(r["note"], str), r
'

# --- strings that need escaping: the threads' names
run --format=json -- "$PROGS/rep_abba" names
check_lines 1
check_json '
import json, sys
r = json.loads(sys.stdin.readline())
names = sorted(t["name"] for t in r["threads"])
want = sorted(["ab-\u00e9", "b\"a\\\u0001\t\u00ff"])
assert names == want, (names, want)
print("quote, backslash, control characters and non-UTF-8 bytes escaped; UTF-8 kept")
'
expect_log '"name":"b\\"a\\\\\\u0001\\u0009\\u00ff"' "control characters written as \\u00XX"

# --- a double unlock: the extra stack and the lock name
run --format=json -- "$PROGS/rep_double_unlock"
expect_status 66
expect_out '^counter=1$'
check_lines 1
check_json '
import json, os, sys
r = json.loads(sys.stdin.readline())
assert r["kind"] == "bad-unlock", r["kind"]
assert "not locked" in r["summary"], r["summary"]
assert [l["name"] for l in r["locks"]] == ["counter_lock"], r["locks"]
assert r["edges"] == [] and r["cycle"] == [], r
s = r["stacks"][0]
assert s["label"] == "unlocked here", s
f = s["frames"][0]
assert f["function"] == "bump_and_release_twice" and f["file"].endswith("rep_double_unlock.c"), f
assert f["line"] == int(os.environ["UNLOCK_AGAIN"]), f
assert s["frames"][-1]["function"] == "main", s
assert r["threads"][0]["main"] is True and r["threads"][0]["created_by"] is None, r["threads"]
print("bad-unlock of counter_lock, unlocked here at bump_and_release_twice line %s" % os.environ["UNLOCK_AGAIN"])
'

finish
