#!/bin/sh
# Labels state the true counts.  A 3-lock cycle whose edges all come from one thread says so with
# "1 thread" and "all 3 edges" (never "two threads"); a 2-lock cycle from one thread says "both
# edges"; 3 locks from 2 threads and from 3 threads (alive at the same time: no label) say 2 and 3; the
# threads of a cycle that never overlapped are counted and named.
. "$top_srcdir/tests/lib.sh"

# expect_note REGEX WHAT: the report's note line (the one right after the header)
expect_note() {
	local note
	note=$(grep -E -A1 "coffman: lock-order-inversion:" "$LOG" | sed -n 2p)
	if printf '%s\n' "$note" | grep -E -q -- "$1"; then pass "$2"; else fail "note '$note' lacks $2"; show; fi
}

run -- "$PROGS/misuse_cycles" one-thread
expect_status 66
expect_count lock-order-inversion 1
expect_log "coffman: lock-order-inversion: potential deadlock: cycle of 3 locks in 1 thread$" "3 locks in 1 thread"
expect_note "^(==[0-9]+== )?  all 3 edges come from one thread, T1, so this run could not deadlock on them; it can deadlock when these 3 code paths run in different threads at the same time$" \
	"note: all 3 edges from one thread, T1; 3 code paths"
n=$(grep -c -E "edge [0-9]: T1 \(tid [0-9]+\) locks" "$LOG")
if [ "$n" -eq 3 ]; then pass "3 edges, all by T1"; else fail "$n edges by T1, expected 3"; show; fi
expect_no_log "two threads"
expect_no_log "[0-9] threads"

run --format=json -- "$PROGS/misuse_cycles" one-thread
if grep -v '"kind":"summary"' "$LOG" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["summary"] == "potential deadlock: cycle of 3 locks in 1 thread", r["summary"]
assert r["note"].startswith("all 3 edges come from one thread, T1,"), r["note"]
assert "two threads" not in json.dumps(r), r
assert len(r["threads"]) == 1 and len(r["edges"]) == 3 and len(r["locks"]) == 3, r
' > "$WORK/check.out" 2>&1; then pass "JSON: 3 locks, 3 edges, 1 thread, and says so"; else
	fail "JSON check failed:"; cat "$WORK/check.out" >&2; show; fi

run --sarif="$WORK/out.sarif" -- "$PROGS/misuse_cycles" one-thread
if python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
text = json.dumps(doc)
assert "two threads" not in text
r = doc["runs"][0]["results"][0]
assert r["message"]["text"] == "potential deadlock: cycle of 3 locks in 1 thread", r["message"]
assert r["properties"]["note"].startswith("all 3 edges come from one thread"), r["properties"]
' "$WORK/out.sarif" > "$WORK/check.out" 2>&1; then pass "SARIF: message and note state 3 locks, 1 thread"; else
	fail "SARIF check failed:"; cat "$WORK/check.out" >&2; show; fi

run -- "$PROGS/misuse_cycles" one-thread-pair
expect_count lock-order-inversion 1
expect_log "cycle of 2 locks in 1 thread$" "2 locks in 1 thread"
expect_note "  both edges come from one thread, T1, so this run could not deadlock on them; it can deadlock when these 2 code paths run in different threads at the same time$" \
	"note: both edges from T1; 2 code paths"

run -- "$PROGS/misuse_cycles" two-threads
expect_count lock-order-inversion 1
expect_log "coffman: lock-order-inversion: potential deadlock: cycle of 3 locks in 2 threads$" "3 locks in 2 threads"
expect_no_log "one thread"
expect_no_log "two threads"

run -- "$PROGS/misuse_cycles" three-threads
expect_count lock-order-inversion 1
expect_log "coffman: lock-order-inversion: potential deadlock: cycle of 3 locks in 3 threads$" "3 locks in 3 threads"
expect_note "cycle: " "no label: the 3 threads were alive together"
for t in 2 3 4; do
	expect_log "edge [1-3]: T$t \(tid [0-9]+\) locks" "an edge by T$t"
done

# threads that never overlapped: counted and named
run -- "$PROGS/misuse_cycles" shared-edge
expect_log "^(==[0-9]+== )?  these 2 threads \(T2 and T3\) never ran at the same time in this run" "2 threads T2 and T3 never overlapped"
expect_log "^(==[0-9]+== )?  these 3 threads \(T3, T4 and T5\) never ran at the same time in this run" "3 threads T3, T4 and T5 never overlapped"
finish
