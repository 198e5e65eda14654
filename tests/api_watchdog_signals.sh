#!/bin/sh
# (i) A program with its own handlers for SIGUSR1 and SIGRTMIN..SIGRTMIN+3 counts the signals it sends
# itself (also while main waits for a lock): under --watchdog=1 every count is exact, as natively; also
# when the wait passes the limit (0.3 s, action report) and the watchdog samples the signalling holder.
# A program that takes over every real-time signal and then hangs on a lock still gets its hang report,
# and none of its handlers is ever called by the watchdog.
# (j) A forked child that hangs on a lock gets its own hang report, in its own log (--log=...%p).
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_wdsig.c"
ALLWAIT=$(line_of "$SRC" 'pthread_mutex_lock(&sig_lock); /* waits forever */')
FSRC="$top_srcdir/tests/progs/api_wdfork.c"
CWAIT=$(line_of "$FSRC" 'pthread_mutex_lock(&child_lock); /* child main: waits forever */')
CREAD=$(line_of "$FSRC" 'ssize_t n = read(child_pipe[0], &c, 1); /* child holder: blocked in read */')

echo "---- (i) signal counts"
"$PROGS/api_wdsig" count > "$WORK/native.out" 2>&1
run --watchdog=1 -- "$PROGS/api_wdsig" count
expect_no_report
expect_status 0
expect_out '^api_wdsig: usr1=70 rt0=70 rt1=70 rt2=70 rt3=70$'
if cmp -s "$WORK/native.out" "$OUT"; then pass "counts identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
expect_faster_than 3

echo "---- (i) signal counts while the watchdog samples the lock holder (limit 0.3 s, action report)"
COFFMAN_WATCHDOG_ACTION=report run --watchdog=0.3 -- "$PROGS/api_wdsig" count
expect_kind hang
expect_count hang 1
expect_log "L1 'sig_lock': mutex at" "main's 0.8 s wait for sig_lock reported"
expect_log "T2, which holds L1, $HOLDER_NOW_RE" "the holder's stack was sampled"
expect_status 66
expect_out '^api_wdsig: usr1=70 rt0=70 rt1=70 rt2=70 rt3=70$'
expect_faster_than 3

echo "---- (i) every real-time signal taken by the program, then a hang"
run --watchdog=1 -- "$PROGS/api_wdsig" all
expect_kind hang
expect_count hang 1
expect_log "L1 'sig_lock': mutex at" "lock named sig_lock"
expect_log "#0 0x[0-9a-f]+ run_all .*api_wdsig\.c:$ALLWAIT \(api_wdsig\)" "main blocked at run_all api_wdsig.c:$ALLWAIT"
expect_status 66
expect_faster_than 4
if grep -q 'unexpected signal' "$OUT"; then fail "the watchdog signalled a program handler:"; cat "$OUT" >&2; else
	pass "no program handler called"; fi

echo "---- (j) a forked child hangs"
mkdir "$WORK/logs"
start=$(date +%s.%N)
timeout 10 "$COFFMAN" --watchdog=1 --log="$WORK/logs/log.%p" -- "$PROGS/api_wdfork" > "$OUT" 2>&1
STATUS=$?
ELAPSED=$(echo "$(date +%s.%N) - $start" | bc)
expect_status 0
expect_faster_than 4
expect_out '^api_wdfork: child exited 66$'
child=$(sed -n 's/^api_wdfork: child \([0-9][0-9]*\)$/\1/p' "$OUT")
if [ -n "$child" ] && [ -f "$WORK/logs/log.$child" ]; then
	pass "the child wrote its own log log.$child"
	LOG="$WORK/logs/log.$child"
	expect_kind hang
	expect_count hang 1
	expect_log "^==$child== coffman: hang: T1 has been blocked for [0-9.]+ s on L1 \(mutex\), held by T2" "the child's pid prefixes its report"
	expect_log "L1 'child_lock': mutex at" "lock named child_lock"
	expect_log "#[0-9] 0x[0-9a-f]+ child_main .*api_wdfork\.c:$CWAIT \(api_wdfork\)" "child main blocked at child_main api_wdfork.c:$CWAIT"
	if sed -n -E "/T2, which holds L1, $HOLDER_NOW_RE\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E "child_holder .*api_wdfork\.c:$CREAD \(api_wdfork\)"; then
		pass "the holder's current stack shows child_holder api_wdfork.c:$CREAD"; else
		fail "the holder's stack lacks child_holder api_wdfork.c:$CREAD"; show; fi
else
	fail "no log for the child (pid '${child}'); logs: $(ls "$WORK/logs")"; cat "$OUT" >&2
fi
others=$(ls "$WORK/logs" | grep -v -x "log.$child")
if [ -z "$others" ]; then pass "the parent made no report"; else fail "other logs: $others"; cat "$WORK/logs"/* >&2; fi
finish
