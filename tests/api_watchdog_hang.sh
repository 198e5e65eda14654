#!/bin/sh
# --watchdog=1: main waits for wd_lock while its holder is (a) blocked in read() on a pipe, (b) sleeping
# in a loop of sleep(1) or nanosleep(), (c) spinning on a volatile counter.  One hang report: it names
# wd_lock, says T2 holds it, shows main's wait in wait_for_lock and the holder's current stack with its
# own function and file:line; the process is ended with 66 shortly after the limit.
# (d) COFFMAN_WATCHDOG_ACTION=abort: the same report, then the process dies of SIGABRT (status 134).
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_wd.c"
WAIT=$(line_of "$SRC" 'pthread_mutex_lock(&wd_lock); /* main: waits for the holder */')
READ=$(line_of "$SRC" 'ssize_t n = read(wd_pipe[0], &c, 1); /* holder: blocked in read */')
SLEEP=$(line_of "$SRC" 'sleep(1); /* holder: sleep loop */')
NANO=$(line_of "$SRC" 'nanosleep(&ts, NULL); /* holder: nanosleep loop */')
SPIN=$(line_of "$SRC" 'while (keep_spinning) spin_counter++; /* holder: busy loop */')
ulimit -c 0 2>/dev/null

HOLDER_NOW="T2, which holds L1, $HOLDER_NOW_RE\$"

# holder_now REGEX: the holder's current stack has a frame matching REGEX
holder_now() {
	if sed -n -E "/$HOLDER_NOW/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$1"; then
		pass "holder's current stack shows $1"; else fail "holder's current stack lacks $1"; show; fi
}

# hang_report: the assertions every run shares
hang_report() {
	expect_kind hang
	expect_count hang 1
	expect_log "coffman: hang: T1 has been blocked for [0-9.]+ s on L1 \(mutex\), held by T2 \(tid [0-9]+\)$" "summary: T1 blocked on L1, held by T2"
	expect_log "L1 'wd_lock': mutex at 0x[0-9a-f]+" "lock named wd_lock"
	expect_log "T1 \(tid [0-9]+\) waits for L1 'wd_lock' \(mutex\) for [0-9.]+ s, holding nothing; blocked at:" "T1 waits for wd_lock"
	expect_log "#0 0x[0-9a-f]+ wait_for_lock .*api_wd\.c:$WAIT \(api_wd\)" "main blocked at wait_for_lock api_wd.c:$WAIT"
	expect_log "T2 \(tid [0-9]+, \"holder\"\).* holding L1 'wd_lock'" "T2 'holder' shown holding wd_lock"
	# the holder is running (not waiting on anything the checker knows): no line may say it waits
	expect_no_log "T2 \(tid [0-9]+, \"holder\"\) waits"
	expect_no_log "#[0-9]+ 0x0+ \?\? \(\?\)"
	expect_log "$HOLDER_NOW" "holder's current stack shown"
	if grep -q 'main got the lock' "$OUT"; then fail "main got the lock"; else pass "main never got the lock"; fi
}

echo "---- (a) holder blocked in read()"
run --watchdog=1 -- "$PROGS/api_wd" pipe
hang_report
holder_now "read .*\(libc\.so\.6\)"
holder_now "#[0-9]+ 0x[0-9a-f]+ hold_and_read .*api_wd\.c:$READ \(api_wd\)"
expect_status 66
expect_faster_than 4

echo "---- (b) holder in a loop of sleep()"
run --watchdog=1 -- "$PROGS/api_wd" sleep
hang_report
holder_now "#[0-9]+ 0x[0-9a-f]+ hold_and_sleep .*api_wd\.c:$SLEEP \(api_wd\)"
expect_status 66
expect_faster_than 4

echo "---- (b) holder in a loop of nanosleep()"
run --watchdog=1 -- "$PROGS/api_wd" nanosleep
hang_report
holder_now "#[0-9]+ 0x[0-9a-f]+ hold_and_nanosleep .*api_wd\.c:$NANO \(api_wd\)"
expect_status 66
expect_faster_than 4

echo "---- (c) holder spinning"
run --watchdog=1 -- "$PROGS/api_wd" spin
hang_report
holder_now "#[0-9]+ 0x[0-9a-f]+ hold_and_spin .*api_wd\.c:$SPIN \(api_wd\)"
expect_status 66
expect_faster_than 4

echo "---- (d) COFFMAN_WATCHDOG_ACTION=abort"
COFFMAN_WATCHDOG_ACTION=abort run --watchdog=1 -- "$PROGS/api_wd" pipe
hang_report
expect_log "the process is aborted" "note: the process is aborted"
expect_status 134
if [ "$STATUS" -gt 128 ] && [ "$(kill -l $((STATUS - 128)))" = ABRT ]; then pass "killed by SIGABRT"; else
	fail "status $STATUS is not death by SIGABRT"; fi
expect_faster_than 4
finish
