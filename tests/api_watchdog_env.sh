#!/bin/sh
# (f) COFFMAN_WATCHDOG=abc, 0, -3: one warning line naming COFFMAN_WATCHDOG, and no watchdog: main
# waits 2 s for a lock, gets no hang report, and the program completes with exit 0.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}

for v in abc 0 -3; do
	echo "---- COFFMAN_WATCHDOG=$v"
	COFFMAN_WATCHDOG=$v run -- "$PROGS/api_wd" holdfor 2
	cat "$LOG" "$OUT" > "$WORK/all.txt"
	n=$(grep -c 'COFFMAN_WATCHDOG' "$WORK/all.txt")
	if [ "$n" -eq 1 ]; then pass "one line names COFFMAN_WATCHDOG"; else fail "$n lines name COFFMAN_WATCHDOG, expected 1"; show; fi
	if grep -E -q "^(==[0-9]+== )?coffman: warning: .*COFFMAN_WATCHDOG=$v\b" "$WORK/all.txt"; then
		pass "a coffman warning quotes COFFMAN_WATCHDOG=$v"; else fail "no coffman warning quoting COFFMAN_WATCHDOG=$v"; show; fi
	w=$(grep -c 'coffman: warning' "$WORK/all.txt")
	if [ "$w" -eq 1 ]; then pass "exactly one warning"; else fail "$w warnings, expected 1"; show; fi
	expect_count hang 0
	expect_no_log "^(==[0-9]+== )?coffman: (lock-order-inversion|double-lock|bad-unlock|destroy-locked|deadlock|hang)\b"
	expect_out '^api_wd: main got the lock$'
	expect_out '^api_wd: done$'
	expect_status 0
	expect_faster_than 4
done
finish
