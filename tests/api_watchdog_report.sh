#!/bin/sh
# (e) COFFMAN_WATCHDOG_ACTION=report: main waits 2.5 s for wd_lock (limit 1 s); the wait is reported
# once, the program keeps running, gets the lock when the holder lets go, ends normally, exit 66; and a
# wait caught just before the program exits is still reported in full (not only counted in the summary).
# (g) a correct program that blocks briefly (0.3 s lock wait, 0.3 s condition wait, 0.3 s join) under
# --watchdog=1: no report, exit 0.  (h) --watchdog=5: a trivial program exits at once.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_wd.c"
WAIT=$(line_of "$SRC" 'pthread_mutex_lock(&wd_lock); /* main: waits for the holder */')
HOLD=$(line_of "$SRC" 'sleep_for(hold_secs); /* holder: sleeps, then unlocks */')

echo "---- (e) action=report"
COFFMAN_WATCHDOG_ACTION=report run --watchdog=1 -- "$PROGS/api_wd" holdfor 2.5
expect_kind hang
expect_count hang 1
expect_log "coffman: hang: T1 has been blocked for [0-9.]+ s on L1 \(mutex\), held by T2 \(tid [0-9]+\)$" "summary"
expect_log "the program keeps running" "note: the program keeps running"
expect_log "#0 0x[0-9a-f]+ wait_for_lock .*api_wd\.c:$WAIT \(api_wd\)" "main blocked at wait_for_lock api_wd.c:$WAIT"
if sed -n -E "/T2, which holds L1, $HOLDER_NOW_RE\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E "hold_for_a_while .*api_wd\.c:$HOLD \(api_wd\)"; then
	pass "holder's current stack at hold_for_a_while api_wd.c:$HOLD"; else fail "holder's stack lacks hold_for_a_while api_wd.c:$HOLD"; show; fi
expect_out '^api_wd: main got the lock$'
expect_out '^api_wd: done$'
expect_log "summary: lock-order-inversion 0, double-lock 0, bad-unlock 0, destroy-locked 0, deadlock 0, hang 1[;,]" "summary line: hang 1"
expect_status 66
expect_faster_than 5
if [ "$(echo "$ELAPSED >= 2.4" | bc)" -eq 1 ]; then pass "ran until the holder let go (${ELAPSED}s)"; else
	fail "ended after ${ELAPSED}s, before the holder let go"; fi

echo "---- (e) action=report, a wait that ends just after the limit and a program that then exits at once"
# The report of a wait the watchdog caught must be complete even when the program ends right after:
# whenever the exit summary counts a hang, the hang report itself is in the log.  (6 runs: the wait
# ends ~0.1 s after the limit; at least one of them must be caught.)
caught=0
for i in 1 2 3 4 5 6; do
	COFFMAN_WATCHDOG_ACTION=report RUN_TIMEOUT=5 run --watchdog=0.3 -- "$PROGS/api_wd" holdfor 0.4
	counted=$(sed -n 's/.*coffman: summary: .* hang \([0-9]*\)[;,].*/\1/p' "$LOG")
	shown=$(grep -E -c '^(==[0-9]+== )?coffman: hang\b' "$LOG")
	if [ "${counted:-0}" -ne "$shown" ]; then
		fail "run $i: the summary counts ${counted:-0} hang(s) but the log holds $shown hang report(s)"; show; SHOWN=0
	fi
	[ "$shown" -gt 0 ] && caught=$((caught + 1))
	if ! grep -q '^api_wd: done$' "$OUT"; then fail "run $i: the program did not finish (status $STATUS)"; show; break; fi
done
if [ "$caught" -ge 1 ]; then pass "$caught of 6 short stuck waits reported in full"; else fail "none of 6 waits 0.1 s past the limit was reported"; fi

echo "---- (g) brief blocking, --watchdog=1"
run --watchdog=1 -- "$PROGS/api_wd" brief
expect_no_report
expect_status 0
expect_out '^api_wd: main got the lock$'
expect_out '^api_wd: condition signalled$'
expect_out '^api_wd: brief done$'
expect_faster_than 3

echo "---- (h) --watchdog=5, trivial program"
run --watchdog=5 -- "$PROGS/api_wd" trivial
expect_no_report
expect_status 0
expect_out '^api_wd: trivial done$'
expect_faster_than 1
finish
