#!/bin/bash
# libcoffman.so preloaded through a symbolic link in a directory that has no libcoffman-deps.so: the
# library finds its real directory (the link resolved: realpath of the name it was loaded by, the
# /proc/self/maps lookup only as the fallback) and loads libcoffman-deps.so from there, so the report
# still has file:line; no warning that stacks are unavailable.
. "$top_srcdir/tests/lib.sh"
EXAMPLE="$top_builddir/examples/printsum"
mkdir -p "$WORK/elsewhere"
ln -s "$top_builddir/.libs/libcoffman.so" "$WORK/elsewhere/libcoffman.so"
: > "$LOG"
env -u COFFMAN_LIB COFFMAN_LOG="$LOG" LD_PRELOAD="$WORK/elsewhere/libcoffman.so" timeout 30 "$EXAMPLE" > "$OUT" 2>&1
STATUS=$?
expect_status 66
expect_kind lock-order-inversion
expect_log 'print_sum .*printsum\.c:[0-9]+' "the report has function and file:line (libcoffman-deps.so found through the link)"
if grep -q "cannot load libcoffman-deps.so" "$LOG" "$OUT"; then
	fail "a warning that libcoffman-deps.so could not be loaded"; cat "$LOG" "$OUT" >&2
else
	pass "no warning about libcoffman-deps.so"
fi
finish
