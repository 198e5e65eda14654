#!/bin/sh
# pthread_once: an init routine that re-enters its own control through a helper is a double-lock (the
# process is ended instead of hanging); 8 threads racing on one control: no report, the routine runs once.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_once.c"
AGAIN=$(line_of "$SRC" 'pthread_once(&config_once, init_config); /* once: re-entered */')
HELPER=$(line_of "$SRC" 'ensure_config(); /* once: helper called from the init routine */')
FIRST=$(line_of "$SRC" 'pthread_once(&config_once, init_config); /* once: first call */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

echo "---- re-entered pthread_once"
run -- "$PROGS/api_once" reenter
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(pthread_once\) that it already holds" "summary"
expect_log "L1 'config_once': pthread_once at 0x[0-9a-f]+" "config_once named"
block_has "acquired again here" "#0 0x[0-9a-f]+ ensure_config .*api_once\.c:$AGAIN \(api_once\)"
block_has "acquired again here" "#1 0x[0-9a-f]+ init_config .*api_once\.c:$HELPER \(api_once\)"
block_has "already held since" "#0 0x[0-9a-f]+ main .*api_once\.c:$FIRST \(api_once\)"
expect_out '^api_once: init_config$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the re-entry"; fi

echo "---- 8 threads, one control"
run -- "$PROGS/api_once" many
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_once: inits=1 users=8$'
finish
