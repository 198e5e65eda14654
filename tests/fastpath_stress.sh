#!/bin/sh
# The lock fast path takes and releases plain mutexes with its own copies of glibc's trylock and unlock
# (shim/glibc_mutex.h): under contention from six threads — blocking locks, trylocks, condition waits,
# on normal, error-checking and adaptive mutexes — mutual exclusion must hold (no lost update), every
# sleeping waiter must be woken (the run ends in time), the mutexes must end clean, and nothing is
# reported (one global lock order).  The same with the contention profile on, whose paths differ.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
# Starvation is not what this checks: six threads on six locks on a loaded machine may well starve one.
COFFMAN_STARVATION=off; export COFFMAN_STARVATION
run -- "$PROGS/fastpath_stress" 100000
expect_no_report
expect_status 0
expect_out '^fastpath_stress: ok [0-9]+$'
run --profile="$WORK/stress.prof" -- "$PROGS/fastpath_stress" 100000
# The profile's table goes to the report stream: no finding of any kind besides it.
expect_no_log '^==[0-9]+== coffman: (lock-order-inversion|double-lock|bad-unlock|deadlock|hang|starvation|livelock|[a-z-]+-[a-z-]+):'
expect_log 'coffman: profile' "the profile table"
expect_status 0
expect_out '^fastpath_stress: ok [0-9]+$'
finish
