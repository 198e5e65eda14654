#!/bin/sh
# Symbol look-ups at many distinct addresses in a big symbol table stay cheap, and give elfutils' own
# answer.  libdw finds the symbol containing an address by scanning the module's whole table on every
# call; Node.js's executable exports 110,000 symbols, and --graph-dir, which names every lock class at
# exit, added 2.2 s to every node run.  tests/progs/symindex_plugin.c exports 100,000 symbols and 1,000
# static locks, taken in pairs: 1,100 classes, each named in the graph file by the symbol that contains
# the lock.  A scan per address took 3 s of CPU here; the index (shim/deps_symtab.c) takes a fraction.
# COFFMAN_SYMTAB_CHECK has libdw's scan answer every indexed look-up again and counts the differences:
# none, unstripped (the exported and the static locks, a weak alias, a symbol inside a bigger one,
# assembly labels with no size) and stripped (exported symbols only).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
command -v strip >/dev/null 2>&1 || { echo "SKIP: strip is needed"; exit 77; }
mkdir -p "$WORK/full" "$WORK/stripped"
SO="$WORK/full/libsymindex.so"
if ! ${CC:-cc} -shared -fPIC -O0 -pthread -o "$SO" "$top_srcdir/tests/progs/symindex_plugin.c" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
strip --strip-all -o "$WORK/stripped/libsymindex.so" "$SO" || { echo "SKIP: cannot strip the plugin"; exit 77; }

# timed_run DIR SO: api_dlopen on SO with graph files into DIR; the CPU time it took in $CPU
timed_run() {
	cpu_seconds > "$WORK/before"
	run --graph-dir="$1" -- "$PROGS/api_dlopen" "$2"
	cpu_seconds > "$WORK/after"
	CPU=$(echo "$(cat "$WORK/after") - $(cat "$WORK/before")" | bc)
}

unset COFFMAN_SYMTAB_CHECK
timed_run "$WORK/fast" "$SO"
expect_status 0
expect_out '^api_dlopen: plugin_run returned 1106$'
N=$(cat "$WORK"/fast/*.graph.jsonl | grep -c '"type":"class"')
if [ "$N" -eq 1106 ]; then pass "1106 classes in the graph file"; else fail "$N classes in the graph file, expected 1106"; fi
if [ "$(echo "$CPU < 1.5" | bc)" -eq 1 ]; then pass "1,106 classes named in ${CPU}s of CPU (< 1.5 s)"; else
	fail "naming 1,106 classes took ${CPU}s of CPU (limit 1.5 s): a symbol-table scan per look-up?"; fi

# key NAME: the graph file of the last checked run has a class of that key
key() {
	if grep -q -F "\"key\":\"static libsymindex.so:$1\"" "$WORK"/check/*.graph.jsonl; then pass "class $1"; else
		fail "no class $1 in the graph file"; grep -o '"key":"[^"]*shape[^"]*"' "$WORK"/check/*.graph.jsonl >&2; fi
}

for variant in full stripped; do
	echo "---- $variant, under COFFMAN_SYMTAB_CHECK"
	rm -rf "$WORK/check" "$WORK/check.txt"
	COFFMAN_SYMTAB_CHECK="$WORK/check.txt"; export COFFMAN_SYMTAB_CHECK
	run --graph-dir="$WORK/check" -- "$PROGS/api_dlopen" "$WORK/$variant/libsymindex.so"
	unset COFFMAN_SYMTAB_CHECK
	expect_status 0
	expect_no_log 'unknown variable'
	SUMMARY=$(grep -E '^coffman symtab check: pid [0-9]+: [0-9]+ answers, [0-9]+ mismatches$' "$WORK/check.txt")
	ANSWERS=$(echo "$SUMMARY" | sed -E 's/.*: ([0-9]+) answers.*/\1/')
	if echo "$SUMMARY" | grep -q ' 0 mismatches$'; then pass "no answer differs from libdw's"; else
		fail "the index and libdw differ:"; cat "$WORK/check.txt" >&2; fi
	if [ "${ANSWERS:-0}" -ge 1000 ]; then pass "$ANSWERS answers checked"; else fail "only ${ANSWERS:-0} answers checked"; fi
	key symindex_lock_500
	if [ $variant = full ]; then
		key symindex_static_50          # a local symbol: searched only when no global contains the lock
		key shape_table                 # the global, not its weak alias of the same size
		key shape_inner                 # the symbol inside shape_table, closer to the lock
		key shape_inner+40
		key shape_table+200             # a label with no size, inside shape_table: shape_table's
		key shape_label                 # a label with no sized symbol around it
	else
		key shape_inner
		key shape_label
	fi
done

# Stripped, 1,000 more static locks that no symbol contains: libdw's answer there is no symbol, found
# by its scan of the whole table (then its assembly-label fallback); the index knows it without one.
# LibreOffice under --graph-dir spent 4 s of CPU at exit so, on the unnamed frames of its stripped
# libraries (libmergedlo.so: 43,000 symbols).
echo "---- stripped, 1,000 more static locks"
MANY="$WORK/many/libsymindex.so"
mkdir -p "$WORK/many"
${CC:-cc} -shared -fPIC -O0 -pthread -DSYMINDEX_MANY_STATICS -o "$MANY.full" "$top_srcdir/tests/progs/symindex_plugin.c" &&
	strip --strip-all -o "$MANY" "$MANY.full" || { fail "cannot build the plugin with more static locks"; finish; }
timed_run "$WORK/many-graphs" "$MANY"
expect_status 0
expect_out '^api_dlopen: plugin_run returned 2106$'
N=$(cat "$WORK"/many-graphs/*.graph.jsonl | grep -c '"type":"class"')
if [ "$N" -eq 2106 ]; then pass "2106 classes in the graph file"; else fail "$N classes in the graph file, expected 2106"; fi
if [ "$(echo "$CPU < 1.0" | bc)" -eq 1 ]; then pass "2,106 classes, 1,100 in no symbol, named in ${CPU}s of CPU (< 1.0 s)"; else
	fail "naming 2,106 classes took ${CPU}s of CPU (limit 1.0 s): a symbol-table scan for each address in no symbol?"; fi
rm -rf "$WORK/check" "$WORK/check.txt"
COFFMAN_SYMTAB_CHECK="$WORK/check.txt"; export COFFMAN_SYMTAB_CHECK
run --graph-dir="$WORK/check" -- "$PROGS/api_dlopen" "$MANY"
unset COFFMAN_SYMTAB_CHECK
expect_status 0
SUMMARY=$(grep -E '^coffman symtab check: pid [0-9]+: [0-9]+ answers, [0-9]+ mismatches$' "$WORK/check.txt")
ANSWERS=$(echo "$SUMMARY" | sed -E 's/.*: ([0-9]+) answers.*/\1/')
if echo "$SUMMARY" | grep -q ' 0 mismatches$'; then pass "no answer differs from libdw's"; else
	fail "the index and libdw differ:"; cat "$WORK/check.txt" >&2; fi
if [ "${ANSWERS:-0}" -ge 2000 ]; then pass "$ANSWERS answers checked"; else fail "only ${ANSWERS:-0} answers checked"; fi
finish
