#!/bin/sh
# A correct multithreaded program (consistent nesting of 3 locks in 4 threads, a recursive mutex, a
# condition-variable queue, trylock back-off against the opposite order): no report at all, exit 0,
# the same output as without the checker.
. "$top_srcdir/tests/lib.sh"

"$PROGS/clean" > "$WORK/native.out" 2>&1
NATIVE=$?
if [ "$NATIVE" -eq 0 ]; then pass "native run exits 0"; else fail "native run exits $NATIVE"; fi

for i in 1 2 3; do
	run -- "$PROGS/clean"
	expect_no_report
	expect_status 0
	expect_faster_than 5
	if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
		fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
done
expect_out '^clean: nested=8000 recursive=3000 queue_sum=500500 backoff=4000$'

# the same through LD_PRELOAD alone, with reports on stderr: still nothing but the program's output
LD_PRELOAD="$top_builddir/.libs/libcoffman.so" "$PROGS/clean" > "$WORK/preload.out" 2> "$WORK/preload.err"
rc=$?
if [ "$rc" -eq 0 ]; then pass "LD_PRELOAD run exits 0"; else fail "LD_PRELOAD run exits $rc"; fi
if [ -s "$WORK/preload.err" ]; then fail "LD_PRELOAD run wrote to stderr:"; cat "$WORK/preload.err" >&2; else
	pass "LD_PRELOAD run: nothing on stderr"; fi
if cmp -s "$WORK/native.out" "$WORK/preload.out"; then pass "LD_PRELOAD output identical"; else
	fail "LD_PRELOAD output differs"; diff "$WORK/native.out" "$WORK/preload.out" >&2; fi
finish
