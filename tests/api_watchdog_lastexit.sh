#!/bin/sh
# The watchdog thread does not keep a process alive: a program whose last thread ends with pthread_exit
# (main, after a second thread came and went), or a forked child whose only thread returns from its
# start routine after making and joining a thread (CPython's os.fork() in a thread: test_threading's
# test_3_join_in_forked_from_thread), exits 0 at once as natively.  It used to live on as a zombie
# leader plus the watchdog thread, which blocks every signal: SIGTERM could not end it.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}

echo "---- main ends with pthread_exit under the watchdog"
run --watchdog=1 -- "$PROGS/api_wdlast" main
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_wdlast: main ends$'

echo "---- a forked child's last thread returns from its start routine"
run --watchdog=1 -- "$PROGS/api_wdlast" forked
expect_no_report
expect_status 0
expect_faster_than 5
expect_out '^api_wdlast: child status 0$'
finish
