#!/bin/sh
# What a thread costs: 1,000 live threads that each take 1,000 locks in overlapping pairs.  Before,
# libunwind's per-thread trace cache and unbounded edge caches made it ~290 KB per thread; the target
# is at most 32 KB per thread above a native run and 64 MB in all.  (Time is measured in make bench.)
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
"$PROGS/iso_threads_mem" 1000 1000 > "$WORK/native.out" 2>&1 || { cat "$WORK/native.out"; exit 99; }
native_kb=$(sed -n 's/.*peak_rss_kb \([0-9]*\).*/\1/p' "$WORK/native.out")
run -- "$PROGS/iso_threads_mem" 1000 1000
expect_status 0
expect_no_report
kb=$(sed -n 's/.*peak_rss_kb \([0-9]*\).*/\1/p' "$OUT")
echo "native ${native_kb} KB, coffman ${kb} KB"
per_thread=$(( (kb - native_kb) / 1000 ))
[ "$per_thread" -le 32 ] && pass "$per_thread KB per thread (<= 32)" || fail "$per_thread KB per thread (> 32)"
[ "$kb" -le 65536 ] && pass "$kb KB in all (<= 64 MB)" || fail "$kb KB in all (> 64 MB)"
finish
