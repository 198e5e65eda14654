#!/bin/sh
# A program that stops the world the Boehm GC's way (a signal whose handler posts a semaphore and parks
# in sigsuspend until a restart signal) while its threads wait on condition variables from code without
# unwind information (a JIT's): under the watchdog each condition wait captures its stack, and libunwind
# steps that frame.  A thread parked in the middle of such a step held libunwind's cache lock or the
# loader's list lock, and the collector's own capture, made while the world was stopped, waited for it
# for ever (Guile 3.0 hung so under --watchdog).  Now the step holds off the program's asynchronous
# signals.  With "churn" each wait first makes new mutexes and takes them nested, so that threads are
# stopped inside the checker's bookkeeping, under its internal locks (graph, stacks, allocator), which
# the collector's next new lock needed: a hang with or without the watchdog.  Now a thread holds the
# program's asynchronous signals off inside an internal lock once the program has a handler for SIGPWR,
# SIGXCPU or a real-time signal (the program's are SIGPWR and SIGXCPU, the Boehm GC's on Linux).
# Expected: the program's own output, exit status 0, no report, in about its native time.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}

"$PROGS/unwind_stopworld" 0.1 > "$WORK/native.out" 2>&1
if [ $? -eq 77 ]; then cat "$WORK/native.out"; exit 77; fi

echo "---- the world stopped 2 s long, over and over, under the watchdog"
run --watchdog=30 -- "$PROGS/unwind_stopworld" 2
expect_status 0
expect_no_report
expect_out '^unwind_stopworld: done$'
expect_faster_than 10

echo "---- the same with COFFMAN_UNWIND_CHECK (every capture walked by libunwind alone too)"
COFFMAN_UNWIND_CHECK=$WORK/unwind-check.log run --watchdog=30 -- "$PROGS/unwind_stopworld" 1
expect_status 0
expect_no_report
expect_out '^unwind_stopworld: done$'
expect_faster_than 10

echo "---- new locks and edges at every wait, without the watchdog"
run -- "$PROGS/unwind_stopworld" 2 churn
expect_status 0
expect_no_report
expect_out '^unwind_stopworld: done$'
expect_faster_than 10

echo "---- new locks and edges at every wait, under the watchdog"
run --watchdog=30 -- "$PROGS/unwind_stopworld" 2 churn
expect_status 0
expect_no_report
expect_out '^unwind_stopworld: done$'
expect_faster_than 10

finish
