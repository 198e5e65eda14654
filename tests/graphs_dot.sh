#!/bin/sh
# coffman-graph dot: Graphviz reads what it writes.  By default the cycle alone, its edges red and
# labelled with the acquiring function:line; with --all also the edges off the cycle, in grey.
. "$top_srcdir/tests/lib.sh"
G="$top_builddir/coffman-graph"
P="$PROGS/graph_locks"
SRC="$top_srcdir/tests/progs/graph_locks.c"
INNER=$(line_of "$SRC" '/* graph: nest inner */')
LOOP=$(line_of "$SRC" '/* graph: close the loop */')
if ! command -v dot > /dev/null 2>&1; then
	echo "Graphviz's dot is not installed (package graphviz): skipped"
	exit 77
fi
run --graph-dir="$WORK/g1" -- "$P" ab a-item
run --graph-dir="$WORK/g2" -- "$P" bc
run --graph-dir="$WORK/g3" -- "$P" ca

"$G" dot "$WORK"/g1 "$WORK"/g2 "$WORK"/g3 > "$WORK/cycles.dot"
if dot -Tsvg "$WORK/cycles.dot" > "$WORK/cycles.svg" 2> "$WORK/dot.err" && grep -q '<svg' "$WORK/cycles.svg"; then
	pass "dot reads the cycles' picture"; else fail "dot rejects it: $(cat "$WORK/dot.err")"; cat "$WORK/cycles.dot" >&2; fi
n=$(grep -c -- '->.*color="#c0392b"' "$WORK/cycles.dot")
[ "$n" -eq 3 ] && pass "3 cycle edges, highlighted" || fail "$n highlighted edges, expected 3"
grep -q -- "-> .*label=\"nest:$INNER\"" "$WORK/cycles.dot" && pass "edges labelled function:line" || fail "no nest:$INNER label"
grep -q -- "-> .*label=\"close_the_loop:$LOOP\"" "$WORK/cycles.dot" && pass "close_the_loop:$LOOP" || fail "no close_the_loop:$LOOP label"
grep -q 'label="lock_a (graph_locks)"' "$WORK/cycles.dot" && pass "a static lock by its name" || fail "no lock_a node"
if grep -q 'item_new' "$WORK/cycles.dot"; then fail "an edge off the cycle drawn by default"; else pass "only the cycle by default"; fi

"$G" dot --all "$WORK"/g1 "$WORK"/g2 "$WORK"/g3 > "$WORK/all.dot"
if dot -Tsvg "$WORK/all.dot" > /dev/null 2> "$WORK/dot.err"; then pass "dot reads the whole graph"; else
	fail "dot rejects --all: $(cat "$WORK/dot.err")"; fi
n=$(grep -c -- '->' "$WORK/all.dot")
[ "$n" -eq 4 ] && pass "--all: 4 edges" || fail "--all: $n edges, expected 4"
grep -q -- '-> .*color="#7f8c8d"' "$WORK/all.dot" && pass "the edge off the cycle in grey" || fail "no grey edge"
grep -q 'label="item_new:' "$WORK/all.dot" && pass "a heap class by its creation site" || fail "no item_new node"
finish
