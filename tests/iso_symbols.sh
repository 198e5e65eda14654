#!/bin/sh
# coffman's dependencies never change the program's symbol resolution: libunwind (whose _Unwind_*
# would pre-empt libgcc_s's) and libdw live in a namespace of their own.  Before, a C host loading a
# C++ plugin that throws hung forever, and so did a program walking its own stack with libunwind.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
CXX_SO="$WORK/libiso_throw.so"
UNW_SO="$WORK/libiso_unwind.so"
if ! ${CXX:-c++} -shared -fPIC -g -O0 -pthread -o "$CXX_SO" "$top_srcdir/tests/progs/iso_throw_plugin.cpp" 2> "$WORK/cc.err"; then
	echo "cannot build the C++ plugin:"; cat "$WORK/cc.err"; exit 77
fi
if ! ${CC:-cc} -shared -fPIC -g -O0 -o "$UNW_SO" "$top_srcdir/tests/progs/iso_unwind_plugin.c" -lunwind 2> "$WORK/cc.err"; then
	echo "cannot build the libunwind plugin:"; cat "$WORK/cc.err"; exit 77
fi

# No library of coffman's dependencies is in the program's (default) namespace.
LD_TRACE_LOADED_OBJECTS=1 LD_PRELOAD="$top_builddir/.libs/libcoffman.so" "$PROGS/iso_host" > "$WORK/ldd.out" 2>&1
if grep -E -q 'libunwind|libdw|libelf' "$WORK/ldd.out"; then
	fail "a dependency is loaded into the program's namespace:"; cat "$WORK/ldd.out" >&2
else
	pass "libcoffman.so needs nothing but libc"
fi

"$PROGS/iso_host" "$CXX_SO" plugin_throw_and_catch > "$WORK/native.out" 2>&1
run -- "$PROGS/iso_host" "$CXX_SO" plugin_throw_and_catch
expect_status 0
expect_out '^iso_host: plugin_throw_and_catch returned 100$'
expect_no_report
expect_faster_than 10
cmp -s "$WORK/native.out" "$OUT" && pass "C++ plugin: output as native" || fail "C++ plugin: output differs"

run -- "$PROGS/iso_host" "$UNW_SO" plugin_walk 200
expect_status 0
expect_out '^iso_host: plugin_walk returned 200$'
expect_no_report
expect_faster_than 10
finish
