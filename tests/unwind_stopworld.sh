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
# SIGXCPU or a real-time signal (the program's are SIGPWR and SIGXCPU, the Boehm GC's on Linux), or
# sends a thread a signal it handles with pthread_kill (with "usr": SIGUSR2 and SIGUSR1).
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

echo "---- the same with SIGUSR2/SIGUSR1 (HotSpot's and D's kind), known by the pthread_kill that sends them"
run -- "$PROGS/unwind_stopworld" 2 churn usr
expect_status 0
expect_no_report
expect_out '^unwind_stopworld: done$'
expect_faster_than 10

# The first parking signal, sent while the mutator is inside the checker (often in a report, the longest
# sections) before the checker knew that this program parks threads: the pthread_kill that sends it
# waits until the sections under way are done.  Without that wait, 1 run in 3 hung here.
echo "---- the first stop of the world, five processes"
for try in 1 2 3 4 5; do
	run --exitcode=0 -- "$PROGS/stopworld_first"
	expect_status 0
	expect_out '^stopworld_first: 100 stops$'
	expect_faster_than 10
done

finish
