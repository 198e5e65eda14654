#!/bin/sh
# --sarif=FILE (COFFMAN_SARIF): at exit, a SARIF 2.1.0 log with one rule per report kind and one result
# per report: ruleId = the kind, the level, the summary as message, the source line of the locking call
# as the primary location, the other edges' and held locks' lines as related locations.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
ABBA="$top_srcdir/tests/progs/rep_abba.c"
DOUBLE="$top_srcdir/tests/progs/rep_double_unlock.c"
export HOLD_A=$(line_of "$ABBA" 'pthread_mutex_lock(&lock_a);')
export LOCK_AB=$(line_of "$ABBA" '/* LOCK-AB */')
export HOLD_B=$(grep -n -F 'pthread_mutex_lock(&lock_b);' "$ABBA" | grep -v -F 'LOCK-AB' | head -1 | cut -d: -f1)
export LOCK_BA=$(line_of "$ABBA" '/* LOCK-BA */')
export UNLOCK_AGAIN=$(line_of "$DOUBLE" '/* UNLOCK-AGAIN */')
SARIF="$WORK/coffman.sarif"

# check_sarif FILE SCRIPT: the python SCRIPT reads the SARIF log FILE (as variable log)
check_sarif() {
	if [ ! -s "$1" ]; then
		fail "no SARIF file $1"; show; return
	fi
	if python3 -c "import json, os, sys
log = json.load(open(sys.argv[1]))
$2" "$1" > "$WORK/check.out" 2>&1; then
		while read -r line; do pass "$line"; done < "$WORK/check.out"
	else
		fail "SARIF check failed:"; cat "$WORK/check.out" >&2; cat "$1" >&2; show
	fi
}

COMMON='
assert log["version"] == "2.1.0", log.get("version")
assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json", log.get("$schema")
assert len(log["runs"]) == 1
run = log["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "coffman", driver
ids = [r["id"] for r in driver["rules"]]
assert ids[:10] == ["lock-order-inversion", "double-lock", "bad-unlock", "destroy-locked", "deadlock", "hang",
               "exit-holding", "cond-misuse", "use-after-destroy", "reinit-live"], ids
assert all(r["shortDescription"]["text"] for r in driver["rules"]), driver["rules"]
results = run["results"]
for res in results:
    assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"], res
def where(loc):
    p = loc["physicalLocation"]
    return p["artifactLocation"]["uri"], p["region"]["startLine"]
print("valid SARIF 2.1.0 from coffman, a rule per report kind")
'

# --- the inversion
run --sarif="$SARIF" -- "$PROGS/rep_abba"
expect_status 66
expect_out '^shared=2$'
expect_kind lock-order-inversion
check_sarif "$SARIF" "$COMMON"'
assert len(results) == 1, results
res = results[0]
assert res["ruleId"] == "lock-order-inversion" and res["level"] == "warning", res
assert "cycle of 2 locks in 2 threads" in res["message"]["text"], res["message"]
uri, line = where(res["locations"][0])
assert uri.endswith("tests/progs/rep_abba.c"), uri
assert line == int(os.environ["LOCK_AB"]), (line, os.environ["LOCK_AB"])
assert res["locations"][0]["logicalLocations"][0]["name"] == "take_a_then_b", res["locations"][0]
print("one lock-order-inversion result at rep_abba.c:%d (take_a_then_b)" % line)
related = [where(l) for l in res["relatedLocations"] if "physicalLocation" in l]
lines = set(l for u, l in related if u.endswith("rep_abba.c"))
for k in ("LOCK_BA", "HOLD_A", "HOLD_B"):
    assert int(os.environ[k]) in lines, (k, os.environ[k], related)
assert all(l.get("message", {}).get("text") for l in res["relatedLocations"]), res["relatedLocations"]
print("related locations: the other edge (line %s) and both held locks (lines %s, %s)" %
      (os.environ["LOCK_BA"], os.environ["HOLD_A"], os.environ["HOLD_B"]))
'

# --- the double unlock, with %p in the path
rm -f "$WORK"/*.sarif
run --sarif="$WORK/du.%p.sarif" -- "$PROGS/rep_double_unlock"
expect_status 66
PID=$(sed -n -E 's/^==([0-9]+)== coffman: bad-unlock.*/\1/p' "$LOG" | head -1)
if [ -n "$PID" ] && [ -f "$WORK/du.$PID.sarif" ]; then pass "%p expanded to the pid ($PID)"; else
	fail "no $WORK/du.${PID:-PID}.sarif"; ls "$WORK" >&2; fi
check_sarif "$WORK/du.${PID:-PID}.sarif" "$COMMON"'
assert len(results) == 1, results
res = results[0]
assert res["ruleId"] == "bad-unlock" and res["level"] == "warning", res
assert "not locked" in res["message"]["text"], res["message"]
uri, line = where(res["locations"][0])
assert uri.endswith("rep_double_unlock.c") and line == int(os.environ["UNLOCK_AGAIN"]), (uri, line)
print("one bad-unlock result at rep_double_unlock.c:%d" % line)
'
if ls "$WORK"/*.tmp.* >/dev/null 2>&1; then fail "temporary file left behind"; else pass "no temporary file left"; fi

# --- a suppressed report is not a result
printf 'lock-order-inversion:take_b_then_a\n' > "$WORK/rules.supp"
rm -f "$SARIF"
run --sarif="$SARIF" --suppressions="$WORK/rules.supp" -- "$PROGS/rep_abba"
expect_status 0
check_sarif "$SARIF" "$COMMON"'
assert results == [], results
print("a suppressed report gives no result")
'

# --- JSON reports and SARIF together; the environment variable alone
rm -f "$SARIF"
: > "$LOG"
COFFMAN_SARIF="$SARIF" COFFMAN_FORMAT=json COFFMAN_LOG="$LOG" LD_PRELOAD="$top_builddir/.libs/libcoffman.so" \
	"$PROGS/rep_abba" > "$OUT" 2>&1
STATUS=$?
expect_status 66
check_sarif "$SARIF" "$COMMON"'
assert [r["ruleId"] for r in results] == ["lock-order-inversion"], results
print("COFFMAN_SARIF with COFFMAN_FORMAT=json: one result")
'
finish
