#!/bin/sh
# dlclose ends a library's global locks.  Plugin A takes its two global mutexes x then y; it is unloaded
# and plugin B is loaded at the same address, so B's mutexes sit where A's were; B takes them y then x.
# Four different locks: no inversion (coffman used to join A's and B's locks into a false cycle).  A
# genuine inversion inside B (b_backward, then b_forward) is still reported, named with B's functions
# and lines, even though A was mapped there when the checker last read the symbol tables.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
PSRC="$top_srcdir/tests/progs/lockstate_plugin.c"
B_HOLD_Y=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_lock_y); /* b: hold y */')
B_EDGE_YX=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_lock_x); /* b: edge y->x */')
B_HOLD_X=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_lock_x); /* b: hold x */')
B_EDGE_XY=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_lock_y); /* b: edge x->y */')
A_UNLOCK=$(line_of "$PSRC" 'pthread_mutex_unlock(&plugin_lock_y); /* a: unlock, not locked */')
A_SO="$WORK/libplugin_a.so"
B_SO="$WORK/libplugin_b.so"
for so in "$A_SO:" "$B_SO:-DPLUGIN_B"; do
	if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread ${so#*:} -o "${so%%:*}" "$PSRC" 2> "$WORK/cc.err"; then
		echo "cannot build the plugins:"; cat "$WORK/cc.err"; exit 77
	fi
done
"$PROGS/lockstate_dlclose" "$A_SO" "$B_SO" > "$WORK/native.out" 2>&1
if ! grep -q '^lockstate_dlclose: same address: yes$' "$WORK/native.out"; then
	echo "B is not mapped where A was on this system: nothing to check"; cat "$WORK/native.out"; exit 77
fi

# the inversion report: its header line up to the next report or the summary
inversion() {
	awk '/coffman: lock-order-inversion/ { on = 1; print; next } on && /coffman: / { on = 0 } on' "$LOG"
}

inversion_has() {
	if inversion | grep -q -E -- "$1"; then pass "the inversion shows $1"; else
		fail "the inversion lacks $1"; show; fi
}

echo "---- A unloaded, B at the same address, opposite order: no inversion"
run -- "$PROGS/lockstate_dlclose" "$A_SO" "$B_SO"
expect_no_report
expect_status 0
expect_out '^lockstate_dlclose: plugin B returned 1$'
expect_out '^lockstate_dlclose: same address: yes$'

echo "---- a genuine inversion inside B is still reported, with B's names"
run -- "$PROGS/lockstate_dlclose" "$A_SO" "$B_SO" genuine
expect_count bad-unlock 1
expect_log "#0 0x[0-9a-f]+ a_unlock_unlocked .*lockstate_plugin\.c:$A_UNLOCK \(libplugin_a\.so\)" "A's report while A is mapped"
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L[0-9] 'plugin_lock_[xy]' -> L[0-9] 'plugin_lock_[xy]' -> L[0-9] 'plugin_lock_[xy]'$" "cycle names B's locks"
inversion_has "#0 0x[0-9a-f]+ b_backward .*lockstate_plugin\.c:$B_EDGE_YX \(libplugin_b\.so\)"
inversion_has "#0 0x[0-9a-f]+ b_backward .*lockstate_plugin\.c:$B_HOLD_Y \(libplugin_b\.so\)"
inversion_has "#0 0x[0-9a-f]+ b_forward .*lockstate_plugin\.c:$B_EDGE_XY \(libplugin_b\.so\)"
inversion_has "#0 0x[0-9a-f]+ b_forward .*lockstate_plugin\.c:$B_HOLD_X \(libplugin_b\.so\)"
if inversion | grep -q 'libplugin_a\.so\|a_x_then_y'; then
	fail "the inversion names plugin A"; show; else pass "the inversion does not name plugin A"; fi
expect_out '^lockstate_dlclose: plugin B returned 2$'
finish
