#!/bin/bash
# The deps namespace (stack walker and symbolizer, about half a millisecond to load) waits for its first
# need in a program that imports no lock or thread function (shim/deps.h): a shell, make, cat.  The
# reports must be as whole as when it is loaded at start:
# - maps: nothing loaded, nothing said; the same program importing pthread_mutex_lock has it at start;
# - plugin: the first lock functions come with a dlopened plugin, whose thread creation is the first
#   need: the inversion names the plugin's and the program's frames with file:line;
# - dlsym: pthread_mutex_lock found with dlsym: the inversion's stacks, file:line in the program;
# - handler: the first lock is taken in a signal handler, where nothing is loaded (it may have
#   interrupted malloc); the next lock outside it loads, and the inversion after has its stacks.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/deps_late.c"
PSRC="$top_srcdir/tests/progs/deps_late_plugin.c"
PLUGIN="$WORK/libdepslate.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$PLUGIN" "$PSRC" 2> "$WORK/cc.err"; then
	cat "$WORK/cc.err"
	fail "cannot build the plugin"
	finish
fi
EDGE=$(line_of "$SRC" '/* deps_late: edge */')
PCALL=$(line_of "$SRC" '/* deps_late: plugin call */')
PEDGE=$(line_of "$PSRC" '/* plugin: edge */')
PCREATE=$(line_of "$PSRC" '/* plugin: create */')

echo "---- maps: no lock function imported, nothing loaded"
run -- "$PROGS/deps_late" maps
expect_status 0
expect_out '^deps before: not mapped$'
expect_out '^deps after: not mapped$'
if [ -s "$LOG" ]; then fail "coffman said something: $(cat "$LOG")"; else pass "nothing said"; fi

echo "---- maps: pthread_mutex_lock imported, loaded at start"
run -- "$PROGS/deps_late_imports" maps
expect_status 0
expect_out '^deps before: mapped$'

echo "---- plugin: the first lock functions come with a plugin"
run -- "$PROGS/deps_late" plugin "$PLUGIN"
expect_status 66
expect_out '^deps before: not mapped$'
expect_out '^deps after: mapped$'
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ plugin_pair .*deps_late_plugin\.c:$PEDGE \(libdepslate\.so\)" "the plugin's frame, file:line"
expect_log "#[0-9]+ 0x[0-9a-f]+ call_plugin .*deps_late\.c:$PCALL" "the program's frame below the plugin, file:line"
expect_log "late_inversion .*deps_late_plugin\.c:$PCREATE" "the thread's creation stack"

echo "---- dlsym: pthread_mutex_lock found with dlsym"
run -- "$PROGS/deps_late" dlsym
expect_status 66
expect_out '^deps before: not mapped$'
expect_out '^deps after: mapped$'
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ take_in_order .*deps_late\.c:$EDGE" "the edge's frame, file:line"
expect_log "#[0-9]+ 0x[0-9a-f]+ abba_through_dlsym .*deps_late\.c:[0-9]+" "its caller"

echo "---- handler: the first lock in a signal handler"
run -- "$PROGS/deps_late" handler
expect_status 66
expect_out '^deps after the handler: not mapped$'
expect_out '^deps after: mapped$'
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ take_in_order .*deps_late\.c:$EDGE" "the edge's frame, file:line"
if grep -q -i 'unavailable' "$LOG" "$OUT"; then fail "a warning: $(grep -i unavailable "$LOG" "$OUT")"; else pass "no warning"; fi

# Three places that are not a handler, though they look like one (helper-70: each lost every stack):
# every signal blocked from the start (a parent's mask kept across exec); deeper down after a jump out
# of a handler; glibc's own timer thread, which blocks every signal.
for mode in blocked jump timer; do
	echo "---- $mode"
	run -- "$PROGS/deps_late" "$mode"
	expect_status 66
	expect_out '^deps after: mapped$'
	expect_count lock-order-inversion 1
	expect_log "#[0-9]+ 0x[0-9a-f]+ take_in_order .*deps_late\.c:$EDGE" "the edge's frame, file:line"
	if grep -q -E '\(no stack\)|\?\? \(' "$LOG"; then fail "a frame or stack missing"; show; else pass "every stack whole"; fi
done
finish
