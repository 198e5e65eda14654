#!/bin/bash
# Robust mutex, owner dead, relocked on the fast path: EOWNERDEAD passed through with the lock held.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
run -- "$PROGS/api_robust_fast"
expect_status 0
expect_faster_than 5
expect_out '^rc=EOWNERDEAD$'
expect_out '^done$'
expect_no_log "coffman: (deadlock|double-lock|bad-unlock|hang)"
expect_log "exits holding mutex m .*the next thread to lock it gets EOWNERDEAD" "robust wording of the exit warning"
finish
