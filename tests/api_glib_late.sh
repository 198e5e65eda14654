#!/bin/sh
# GLib loaded after start-up (dlopen), and the process's first GMutex call made by a thread that holds
# a program lock while another thread's dlopen runs a constructor waiting for that lock
# (tests/progs/api_glib_late.c, tests/progs/api_ctor_lock.c built here as a shared object).  The
# wrappers' first call looks up GLib's real functions; with dlsym it waited for the loader's lock held
# by that dlopen, and both threads hung (timeout, 124).  Now: the native output and status, no report;
# and the GMutex is tracked (locked twice: a double-lock at the second g_mutex_lock).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_glib_late.c"
L1=$(line_of "$SRC" 'lock(&m); /* late: first */')
L2=$(line_of "$SRC" 'lock(&m); /* late: second */')
SO="$WORK/libapi_ctor_lock.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$SO" "$top_srcdir/tests/progs/api_ctor_lock.c" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
timeout 10 "$PROGS/api_glib_late" "$SO" > "$WORK/native.out" 2>&1
NATIVE=$?
if [ "$NATIVE" = 77 ]; then echo "no libglib-2.0.so.0 here"; exit 77; fi
[ "$NATIVE" = 0 ] || { echo "native run failed ($NATIVE)"; cat "$WORK/native.out"; exit 99; }

echo "---- first GMutex call while a constructor waits for the caller's lock"
run -- "$PROGS/api_glib_late" "$SO"
expect_status 0
expect_no_report
expect_faster_than 5
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi

echo "---- the late-found GMutex is tracked"
run -- "$PROGS/api_glib_late" "$SO" double
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(GMutex\) that it already holds" "a GMutex double-lock"
expect_log "#0 0x[0-9a-f]+ main .*api_glib_late\.c:$L2 \(api_glib_late\)" "acquired again at api_glib_late.c:$L2"
expect_log "#0 0x[0-9a-f]+ main .*api_glib_late\.c:$L1 \(api_glib_late\)" "held since api_glib_late.c:$L1"
expect_out '^api_glib_late: plugin loaded$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the double lock"; fi
finish
