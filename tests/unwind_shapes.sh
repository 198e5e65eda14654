#!/bin/sh
# The cached stack walk gives the stacks libunwind gives, frame for frame: new lock-order edges made
# from frames of every shape (no frame pointer, alloca, a variable-length array, a 1 MB frame, a
# recursive chain, signal handlers on the thread's stack and on an alternate one, a second thread),
# each capture walked both ways under COFFMAN_UNWIND_CHECK; and the report of an inversion made in a
# signal handler deep in the recursion names every frame down to main, with or without the check; and
# after a dlclose, a plugin mapped where the last one was is walked by its own rules.
# Expected: no difference in any capture; the same report either way; exit status 66.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/unwind_shapes.c"
HANDLER=$(line_of "$SRC" '/* handler: inner then outer */')
SIGNAL=$(line_of "$SRC" '/* alloca frame: the signal */')
DEEPEST=$(line_of "$SRC" '/* deepest */')
RECURSION=$(line_of "$SRC" '/* recursion */')
MAIN=$(line_of "$SRC" "/* main: the inversion's second edge */")
CHECK="$WORK/unwind-check.log"

edge2_has() { # REGEX what: a line of edge 2's stack
	if sed -n '/edge 2:/,/had been acquired at:/p' "$LOG" | grep -q -E -- "$1"; then pass "edge 2 shows $2"; else
		fail "edge 2 lacks $2"; show; fi
}

for check in on off; do
	echo "---- COFFMAN_UNWIND_CHECK $check"
	if [ $check = on ]; then
		COFFMAN_UNWIND_CHECK=$CHECK
		export COFFMAN_UNWIND_CHECK
	else
		unset COFFMAN_UNWIND_CHECK
	fi
	run -- "$PROGS/unwind_shapes"
	expect_status 66
	expect_kind lock-order-inversion
	expect_count lock-order-inversion 1
	expect_out '^unwind_shapes: done$'
	expect_log "cycle: L1 'outer' -> L2 'inner' -> L1 'outer'" "the cycle"
	edge2_has "#[0-9]+ 0x[0-9a-f]+ on_signal .*unwind_shapes\.c:$HANDLER \(unwind_shapes\)" "the handler"
	edge2_has "#[0-9]+ 0x[0-9a-f]+ raise " "raise, beyond the signal frame"
	# the signal trampoline named at its first byte (__restore_rt with libc's symbols, its offset without):
	# one byte back was the function before it, or "?? (libc.so.6+0x3c04f)" (0526b42)
	edge2_has "#[0-9]+ 0x[0-9a-f]+ (__restore_rt\+0x0 |\?\? )\(libc\.so\.6\+0x[0-9a-f]*0\)$" "the signal trampoline, at its first byte"
	edge2_has "#[0-9]+ 0x[0-9a-f]+ in_alloca .*unwind_shapes\.c:$SIGNAL \(unwind_shapes\)" "the alloca frame"
	edge2_has "#[0-9]+ 0x[0-9a-f]+ recurse .*unwind_shapes\.c:$DEEPEST \(unwind_shapes\)" "the deepest call"
	n=$(sed -n '/edge 2:/,/had been acquired at:/p' "$LOG" | grep -c -E "recurse .*unwind_shapes\.c:$RECURSION ")
	if [ "$n" -eq 3 ]; then pass "three recursive frames"; else fail "$n recursive frames, expected 3"; show; fi
	edge2_has "#[0-9]+ 0x[0-9a-f]+ main .*unwind_shapes\.c:$MAIN \(unwind_shapes\)" "main"
	sed -n '/edge 2:/,/had been acquired at:/p' "$LOG" | grep -E '#[0-9]+ ' | sed -E 's/.*#[0-9]+ 0x[0-9a-f]+ //' \
		> "$WORK/edge2.$check"
done

if cmp -s "$WORK/edge2.on" "$WORK/edge2.off"; then pass "edge 2's stack is the same with the check off"; else
	fail "edge 2's stack differs with the check off"; diff "$WORK/edge2.on" "$WORK/edge2.off" >&2; fi

echo "---- the check's log"
cat "$CHECK"
if grep -q ': mismatch' "$CHECK"; then fail "the cached walk and libunwind disagree"; else pass "no mismatch"; fi
summary=$(grep -E '^coffman unwind check: pid [0-9]+: [0-9]+ captures, 0 mismatches, [0-9]+ frames stepped by rule, [0-9]+ by libunwind$' "$CHECK")
if [ -n "$summary" ]; then pass "a summary with 0 mismatches"; else fail "no summary with 0 mismatches"; fi
set -- $(echo "$summary" | sed -E 's/.*: ([0-9]+) captures, 0 mismatches, ([0-9]+) frames stepped by rule, ([0-9]+) by libunwind/\1 \2 \3/')
if [ "${1:-0}" -ge 40 ]; then pass "$1 captures checked"; else fail "only ${1:-0} captures checked"; fi
if [ "${2:-0}" -gt "${3:-0}" ] && [ "${3:-0}" -gt 0 ]; then
	pass "most frames by rule (${2:-0}), signal frames by libunwind (${3:-0})"
else
	fail "frames by rule ${2:-0}, by libunwind ${3:-0}: expected most by rule and some by libunwind"
fi
echo "---- dlclose: plugin B mapped where plugin A was, with other unwind rules at the same addresses"
# A is built -O0 (rbp frames), B -O2 without frame pointers: a rule cached from A's code would walk
# B's frames wrongly (the check saw it when dlclose did not retire the table).
PSRC="$top_srcdir/tests/progs/lockstate_plugin.c"
A_SO="$WORK/libplugin_a.so"
B_SO="$WORK/libplugin_b.so"
if ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$A_SO" "$PSRC" 2> "$WORK/cc.err" &&
   ${CC:-cc} -shared -fPIC -g -O2 -fomit-frame-pointer -pthread -DPLUGIN_B -o "$B_SO" "$PSRC" 2>> "$WORK/cc.err"; then
	: > "$CHECK"
	COFFMAN_UNWIND_CHECK=$CHECK
	export COFFMAN_UNWIND_CHECK
	run -- "$PROGS/lockstate_dlclose" "$A_SO" "$B_SO" genuine
	unset COFFMAN_UNWIND_CHECK
	# (the program's "same address" compares the locks' data, which the two builds lay out apart; the
	# code is mapped at the same place all the same)
	expect_count lock-order-inversion 1
	expect_log "#0 0x[0-9a-f]+ b_backward .*lockstate_plugin\.c:[0-9]+ \(libplugin_b\.so\)" "B's frames named"
	cat "$CHECK"
	if grep -q ': mismatch' "$CHECK"; then fail "after dlclose the cached walk and libunwind disagree"; else
		pass "after dlclose: no mismatch"; fi
	if grep -q -E ': [1-9][0-9]* captures, 0 mismatches' "$CHECK"; then pass "captures checked after dlclose"; else
		fail "no capture checked after dlclose"; fi
else
	echo "cannot build the plugins: part skipped"; cat "$WORK/cc.err"
fi
finish
