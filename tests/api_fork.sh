#!/bin/sh
# fork in a multi-threaded program (4 threads busy locking) 20 times: each child takes several locks,
# nested, creates threads that lock, and exits 0; no internal lock of the checker is left held in a child
# (it would hang: each run is bounded).  A PTHREAD_PROCESS_SHARED mutex in MAP_SHARED memory, held 0.5 s
# by the child while the parent waits for it, then used by both: no crash, no report, exit 0.  A child
# forked after its parent reported: its own exit status and no summary.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}

echo "---- fork while threads lock"
run -- "$PROGS/api_lifecycle" fork
expect_no_report
expect_status 0
expect_faster_than 8
expect_out '^api_lifecycle: 20 of 20 children exited 0$'

echo "---- process-shared mutex"
run -- "$PROGS/api_lifecycle" pshared
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_lifecycle: child status 0, counter=20002$'

# A child forked after its parent reported is a run of its own: it reported nothing, so it exits with
# its own 0 and prints no summary; the parent exits 66 on its double-lock.
echo "---- fork after a report"
run -- "$PROGS/api_lifecycle" fork_after
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_out '^api_lifecycle: relock refused, child exit status 0$'
SUMMARIES=$(grep -c "coffman: summary:" "$LOG")
if [ "$SUMMARIES" -eq 1 ]; then pass "one summary (the parent's)"; else
	fail "$SUMMARIES summaries: the child counted its parent's reports"; cat "$LOG" >&2; fi
expect_log "coffman: summary: lock-order-inversion 0, double-lock 1," "the parent's summary counts its double-lock"
finish
