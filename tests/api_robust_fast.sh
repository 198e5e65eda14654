#!/bin/bash
# Robust mutex, owner dead, relocked on the fast path: EOWNERDEAD passed through with the lock held.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
run -- "$PROGS/api_robust_fast"
expect_status 0
expect_faster_than 5
expect_out '^rc=EOWNERDEAD$'
expect_out '^done$'
# The owner's death holding a robust mutex is no bug (the next locker gets EOWNERDEAD): no report,
# and no warning either.
expect_no_report
finish
