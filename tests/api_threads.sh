#!/bin/sh
# 5000 threads created and joined over the program's life (8 at a time), each taking pair_first then
# pair_second: no report, every thread ran, and it completes in bounded time.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
run -- "$PROGS/api_lifecycle" threads
expect_no_report
expect_status 0
expect_out '^api_lifecycle: threads done count=5000$'
expect_faster_than 8
finish
