#!/bin/sh
# A stop-the-world collector (tests/progs/lockstate_gcsuspend.c: the collector suspends every worker
# with a signal whose handler sigsuspends, then makes and takes locks itself) runs to its end under the
# checker.  It hung within a few collections when a worker was suspended holding the checker's graph
# lock or libunwind's lock (Mono's SGen, helper-47): asynchronous signals now wait while a thread
# holds an internal lock once the program sends a thread a signal it handles (its SIGUSR1, here), and
# during a capture's libunwind steps.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}

echo "---- a stop-the-world collector, 300 collections"
run -- "$PROGS/lockstate_gcsuspend" 300
expect_no_report
expect_status 0
expect_out '^lockstate_gcsuspend: 300 collections$'

echo "---- the same under the watchdog (a capture at every condition wait, the watchdog's own reports)"
run --watchdog=20 -- "$PROGS/lockstate_gcsuspend" 300
expect_no_report
expect_status 0
expect_out '^lockstate_gcsuspend: 300 collections$'
finish
