#!/bin/sh
# Merging graph files: overlapping edges add up; merging is associative (merge outputs merge again to
# the same file); a cycle across three processes is reported once, each edge with the process and
# stacks that made it, in text, JSON and SARIF; a cycle one process reported live is marked so; a
# suppression rule (the live run's format) removes a merged cycle, and a bad rules file is an error.
. "$top_srcdir/tests/lib.sh"
G="$top_builddir/coffman-graph"
P="$PROGS/graph_locks"
SRC="$top_srcdir/tests/progs/graph_locks.c"
OUTER=$(line_of "$SRC" '/* graph: nest outer */')
INNER=$(line_of "$SRC" '/* graph: nest inner */')
LOOP=$(line_of "$SRC" '/* graph: close the loop */')

# graph STEP...: run graph_locks with those steps into a directory of its own, named by the steps
graph() {
	dir="$WORK/g_$(echo "$*" | tr ' ' _)_$(ls "$WORK" | wc -l)"
	run --graph-dir="$dir" -- "$P" "$@"
	LAST="$dir"
}

# ---- overlapping edges: a -> b in two processes, b -> a in a third
graph ab; A="$LAST"; expect_status 0
graph ab; B="$LAST"; expect_status 0
graph ba; C="$LAST"; expect_status 0
"$G" cycles "$A" "$B" "$C" > "$WORK/abc.txt"
s=$?
[ $s -eq 66 ] && pass "cycles: exit 66" || fail "cycles: exit $s"
cp "$WORK/abc.txt" "$LOG"
expect_log "^coffman: lock-order-inversion: potential deadlock: cycle of 2 lock classes across 2 processes$" "header"
expect_log "^  found only across processes" "labelled cross-process"
expect_log "^  cycle: L1 'lock_a' -> L2 'lock_b' -> L1 'lock_a'$" "cycle line"
expect_log "^  edge [12]: P[0-9] graph_locks \(pid [0-9]+ on [^)]*\) T1 locks L2 'lock_b' while holding L1 'lock_a' \(2 lock-level edges in 2 processes\):$" "a -> b counted twice"
expect_log "^    also made by P[0-9]$" "the other process that made a -> b"
expect_log "^    #0 0x[0-9a-f]+ nest .*graph_locks\.c:$INNER \(graph_locks\)$" "acquisition stack"
expect_log "^      #0 0x[0-9a-f]+ nest .*graph_locks\.c:$OUTER \(graph_locks\)$" "held lock's stack"
expect_log "^coffman-graph: summary: 1 cycle \(1 cross-process, 0 single-process, 0 live\); suppressed 0; from 3 graph files: 3 processes" "summary"

# ---- associativity: (A+B)+C, A+(B+C) and A+B+C are the same file
"$G" merge -o "$WORK/ab.jsonl" "$A" "$B" && "$G" merge -o "$WORK/ab_c.jsonl" "$WORK/ab.jsonl" "$C" &&
"$G" merge -o "$WORK/bc.jsonl" "$B" "$C" && "$G" merge -o "$WORK/a_bc.jsonl" "$A" "$WORK/bc.jsonl" &&
"$G" merge -o "$WORK/abc.jsonl" "$A" "$B" "$C" || fail "merge failed"
if cmp -s "$WORK/ab_c.jsonl" "$WORK/a_bc.jsonl" && cmp -s "$WORK/ab_c.jsonl" "$WORK/abc.jsonl"; then
	pass "(A+B)+C = A+(B+C) = A+B+C"; else fail "merge is not associative"; diff "$WORK/ab_c.jsonl" "$WORK/a_bc.jsonl" >&2; fi
"$G" cycles "$WORK/abc.jsonl" > "$WORK/merged.txt"
if diff -q <(grep -v '^  P[0-9] is\|^coffman-graph: summary' "$WORK/abc.txt") \
	<(grep -v '^  P[0-9] is\|^coffman-graph: summary' "$WORK/merged.txt") > /dev/null; then
	pass "a merged file reports what its inputs do"; else fail "merged file reports differently"; diff "$WORK/abc.txt" "$WORK/merged.txt" >&2; fi

# ---- a cycle across three processes: a -> b, b -> c, c -> a
graph ab; X="$LAST"
graph bc; Y="$LAST"
graph ca; Z="$LAST"
"$G" cycles "$X" "$Y" "$Z" > "$LOG"
s=$?
[ $s -eq 66 ] && pass "three processes: exit 66" || fail "three processes: exit $s"
expect_count lock-order-inversion 1
expect_log "^coffman: lock-order-inversion: potential deadlock: cycle of 3 lock classes across 3 processes$" "3 classes, 3 processes"
expect_log "^  cycle: L1 'lock_a' -> L2 'lock_b' -> L3 'lock_c' -> L1 'lock_a'$" "the cycle a -> b -> c -> a"
expect_log "^    #0 0x[0-9a-f]+ close_the_loop .*graph_locks\.c:$LOOP \(graph_locks\)$" "the edge c -> a at close_the_loop"
"$G" cycles --format=json --sarif="$WORK/three.sarif" "$X" "$Y" "$Z" > "$WORK/three.json"
python3 - "$WORK/three.json" "$WORK/three.sarif" <<'PY' && pass "JSON: one cross-process cycle, one process per edge; SARIF: one result" || fail "JSON or SARIF wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
cycles = [l for l in lines if l["kind"] == "lock-order-inversion"]
assert len(cycles) == 1 and lines[-1]["kind"] == "summary", lines
c = cycles[0]
assert c["found"] == "cross-process" and c["cycle"] == ["L1", "L2", "L3", "L1"]
assert sorted(e["process"] for e in c["edges"]) == ["P1", "P2", "P3"]
assert all(e["stack"] and e["held_stack"] for e in c["edges"])
assert [l["name"] for l in c["locks"]] == ["lock_a", "lock_b", "lock_c"]
assert len(c["processes"]) == 3 and all(p["pid"] > 0 for p in c["processes"])
sarif = json.load(open(sys.argv[2]))
r = sarif["runs"][0]["results"]
assert len(r) == 1 and r[0]["ruleId"] == "lock-order-inversion" and r[0]["locations"]
PY

# ---- a cycle that one process reported live
run --graph-dir="$WORK/live" -- "$P" live
expect_kind lock-order-inversion
expect_status 66
"$G" cycles "$WORK/live" > "$LOG"
expect_log "^  reported live already, by graph_locks \(pid [0-9]+" "marked as reported live"
expect_log "^coffman-graph: summary: 1 cycle \(0 cross-process, 0 single-process, 1 live\)" "counted as live"

# ---- suppressions, in the live run's format
printf '# merged cycles too\ndeadlock: some_other_function\nlock-order-inversion: close_the_loop\n' > "$WORK/rules"
"$G" cycles --suppressions="$WORK/rules" "$X" "$Y" "$Z" > "$LOG"
s=$?
[ $s -eq 0 ] && pass "suppressed: exit 0" || fail "suppressed: exit $s"
expect_count lock-order-inversion 0
expect_log "^coffman-graph: summary: 0 cycles .*; suppressed 1;" "counted as suppressed"
printf 'lock-order-inversion: no_such_function\n' > "$WORK/other"
"$G" cycles --suppressions="$WORK/other" "$X" "$Y" "$Z" > /dev/null
s=$?
[ $s -eq 66 ] && pass "a rule that matches nothing suppresses nothing" || fail "exit $s with a rule that matches nothing"
printf 'no colon here\n' > "$WORK/bad"
"$G" cycles --suppressions="$WORK/bad" "$X" > /dev/null 2> "$WORK/bad.err"
s=$?
[ $s -eq 2 ] && grep -q "bad:1: expected KIND:PATTERN" "$WORK/bad.err" && pass "a malformed rules file is an error" ||
	fail "malformed rules: exit $s, $(cat "$WORK/bad.err")"
finish
