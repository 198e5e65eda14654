#!/bin/sh
# Lock classes mean the same in every process: graph_locks run twice (its objects at other addresses
# each time) writes the same class keys — its static locks by object and symbol, a heap lock by the
# function and line of its *_init, a stack lock likewise — and the two programs of the split_inversion
# example, linking one shared library, name that library's locks identically.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/graph_locks.c"
ITEM=$(line_of "$SRC" '/* graph: item class */')
STACK=$(line_of "$SRC" '/* graph: stack class */')

# class_keys DIR: the sorted class keys of the one graph file in DIR
class_keys() {
	set -- "$1"/*.graph.jsonl
	if [ $# -ne 1 ] || [ ! -f "$1" ]; then
		echo "expected one graph file, found: $*" >&2
		return 1
	fi
	python3 -c 'import json, sys
print("\n".join(sorted(json.loads(l)["key"] for l in open(sys.argv[1]) if json.loads(l)["type"] == "class")))' "$1"
}

for n in 1 2; do
	run --graph-dir="$WORK/run$n" -- "$PROGS/graph_locks" ab a-item stack-a
	expect_status 0
	expect_no_report
	class_keys "$WORK/run$n" > "$WORK/keys$n" || fail "run $n: no single graph file"
done
if cmp -s "$WORK/keys1" "$WORK/keys2"; then pass "the same class keys in two runs"; else
	fail "class keys differ between runs"; diff "$WORK/keys1" "$WORK/keys2" >&2; fi
for key in "static graph_locks:lock_a" "static graph_locks:lock_b" "site item_new graph_locks.c:$ITEM" \
	"site with_stack_lock graph_locks.c:$STACK"; do
	if grep -q -x -F "$key" "$WORK/keys1"; then pass "class '$key'"; else fail "no class '$key'"; cat "$WORK/keys1" >&2; fi
done

# The same library in two programs.
run --graph-dir="$WORK/post" -- "$top_builddir/examples/split_inversion/post"
expect_status 0
expect_no_report
run --graph-dir="$WORK/reconcile" -- "$top_builddir/examples/split_inversion/reconcile"
expect_status 0
expect_no_report
class_keys "$WORK/post" > "$WORK/post.keys"
class_keys "$WORK/reconcile" > "$WORK/reconcile.keys"
printf '%s\n' "static libledger.so:audit_lock" "static libledger.so:journal_lock" > "$WORK/want.keys"
for prog in post reconcile; do
	if cmp -s "$WORK/$prog.keys" "$WORK/want.keys"; then pass "$prog names libledger.so's locks by symbol"; else
		fail "$prog's classes:"; cat "$WORK/$prog.keys" >&2; fi
done
finish
