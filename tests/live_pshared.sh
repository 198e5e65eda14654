#!/bin/sh
# Process-shared objects belong to more than one process.  A PTHREAD_PROCESS_SHARED mutex and condition
# variable in a MAP_SHARED mapping; a forked child lets the parent's threads go after about a second.
# However blocked the parent looks meanwhile, a wait that another process can end is not a deadlock:
# no report, exit 0.  A private condition variable in shared memory that nobody signals is left to the
# watchdog (a hang, never a deadlock).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/live_pshared.c"
WAIT=$(line_of "$SRC" 'pthread_cond_wait(&sh->go_cond, &sh->lock); /* ended by the other process */')

echo "---- the worker waits on a process-shared condition variable, main joins it"
run -- "$PROGS/live_pshared" cond-join
expect_no_report
expect_status 0
expect_out '^live_pshared: cond-join done, child status 0$'

echo "---- every thread waits on the process-shared condition variable (the watchdog looks, limit 10 s)"
run --watchdog=10 -- "$PROGS/live_pshared" cond-all
expect_no_report
expect_status 0
expect_out '^live_pshared: cond-all done, child status 0$'

echo "---- the worker waits for a process-shared mutex the child holds, main joins it"
run -- "$PROGS/live_pshared" mutex-join
expect_no_report
expect_status 0
expect_out '^live_pshared: mutex-join done, child status 0$'

echo "---- a private condition variable in shared memory, never signalled: a hang, not a deadlock"
run --watchdog=2 -- "$PROGS/live_pshared" private-cond-stuck
expect_kind hang
expect_no_log "coffman: deadlock"
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s in a condition wait" "T2 hangs in the condition wait"
expect_log "#0 0x[0-9a-f]+ wait_for_go .*live_pshared\.c:$WAIT \(live_pshared\)" "wait_for_go live_pshared.c:$WAIT"
expect_status 66
finish
