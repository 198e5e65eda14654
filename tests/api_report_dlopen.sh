#!/bin/sh
# A report written while another thread is inside dlopen, its constructor waiting for a lock the
# reporting thread holds (tests/progs/api_report_dlopen.c; tests/progs/api_ctor_lock.c built here as a
# shared object).  The program is stripped here, so its own functions have no symbol and the
# symbolizer falls back to the loaded objects' tables for them; that fallback asked dladdr, which
# waited for the loader's lock the dlopen holds, and both threads hung (timeout, 124).  Now: the
# report, the native output, and frames as object+offset (main by its exported name).  Then the same
# with the lock taken inside a C++ library (tests/progs/api_cxx_take.cpp): the report names the frame
# demangled; the demangler used to be dlopen'ed at the first mangled name, which hung the same way.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SO="$WORK/libapi_ctor_lock.so"
PROG="$WORK/api_report_dlopen"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$SO" "$top_srcdir/tests/progs/api_ctor_lock.c" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
if ! strip -o "$PROG" "$PROGS/api_report_dlopen" 2> "$WORK/strip.err"; then
	echo "cannot strip the program:"; cat "$WORK/strip.err"; exit 77
fi
timeout 10 "$PROG" "$SO" > "$WORK/native.out" 2>&1 || { echo "native run failed"; cat "$WORK/native.out"; exit 99; }

echo "---- a report while a constructor waits for the reporting thread's lock"
run -- "$PROG" "$SO"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_faster_than 5
expect_log "cycle: L[0-9]( '[a-z_]+')? -> L[0-9]( '[a-z_]+')? -> L[0-9]" "a cycle of two locks"
expect_log "L[0-9] 'late_lock': mutex at 0x[0-9a-f]+" "late_lock by its exported name"
expect_log "#0 0x[0-9a-f]+ \?\? \(api_report_dlopen\+0x[0-9a-f]+\)$" "a stripped function as object+offset"
expect_log "#1 0x[0-9a-f]+ main\+0x[0-9a-f]+ \(api_report_dlopen\+0x[0-9a-f]+\)$" "main by its exported name"
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi

echo "---- the same, the lock taken in a C++ library: its frame demangled"
CXXSRC="$top_srcdir/tests/progs/api_cxx_take.cpp"
CXXLIB="$WORK/libapi_cxx_take.so"
TAKE=$(line_of "$CXXSRC" 'pthread_mutex_lock(m); // cxx: take')
if ! ${CXX:-c++} -shared -fPIC -g -O0 -pthread -o "$CXXLIB" "$CXXSRC" 2> "$WORK/cxx.err"; then
	echo "no C++ compiler: the C++ case is not checked"; cat "$WORK/cxx.err"; finish
fi
run -- "$PROG" "$SO" "$CXXLIB"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_faster_than 5
expect_log "#0 0x[0-9a-f]+ shop::take_and_release\(pthread_mutex_t\*\) .*api_cxx_take\.cpp:$TAKE \(libapi_cxx_take\.so\)$" "shop::take_and_release demangled, api_cxx_take.cpp:$TAKE"
expect_out '^api_report_dlopen: plugin loaded$'
finish
