#!/bin/sh
# A statically linked program under ./coffman: one line on stderr says it is statically linked (its
# locks cannot be checked); the program still runs and its exit status passes through.
# Skipped when the toolchain cannot link statically.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
BIN="$WORK/api_static"
if ! ${CC:-cc} -static -O0 -g -pthread -o "$BIN" "$top_srcdir/tests/progs/api_static.c" 2> "$WORK/cc.err"; then
	echo "SKIP: cannot link statically:"; cat "$WORK/cc.err"; exit 77
fi
"$BIN" 7 > /dev/null 2>&1
if [ $? -ne 7 ]; then echo "SKIP: the static program does not run"; exit 77; fi

timeout 10 "$COFFMAN" "$BIN" 7 > "$WORK/out" 2> "$WORK/err"
STATUS=$?
expect_status 7
if grep -q -x 'api_static: count=2' "$WORK/out"; then pass "the program ran"; else fail "program output:"; cat "$WORK/out" >&2; fi
n=$(grep -c . "$WORK/err")
if [ "$n" -eq 1 ] && grep -q -i 'statically linked' "$WORK/err"; then pass "one line on stderr: $(cat "$WORK/err")"; else
	fail "stderr has $n lines, expected one 'statically linked' notice:"; cat "$WORK/err" >&2; fi
if grep -q "api_static" "$WORK/err"; then pass "the notice names the program"; else fail "the notice does not name the program"; fi

# status 0 passes through too, and --log does not change where the notice goes
timeout 10 "$COFFMAN" --log="$WORK/log" "$BIN" > "$WORK/out" 2> "$WORK/err"
STATUS=$?
expect_status 0
if grep -q -i 'statically linked' "$WORK/err" "$WORK/log" 2>/dev/null; then pass "notice given with --log"; else
	fail "no 'statically linked' notice with --log"; fi
finish
