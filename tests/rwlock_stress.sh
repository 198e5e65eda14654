#!/bin/sh
# The rwlock fast path (shim/wrap_rwlock.c) takes a read or write lock with glibc's own try and, when
# it is busy, goes straight into the sliced wait: under contention from six threads — blocking, try
# and timed read and write locks, on a reader-preferring and a writer-preferring rwlock, alone or
# nested in one global order — readers and writers must exclude each other (no torn pair, no lost
# update), every sleeping waiter must be woken (the run ends in time), the rwlocks must end unlocked,
# and nothing is reported (one global lock order).  The same with the contention profile on, whose
# paths differ.  Then a real deadlock, made after both threads have left the slow path's start-up.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
# Starvation is not what this checks: six threads on two locks on a loaded machine may well starve one.
COFFMAN_STARVATION=off; export COFFMAN_STARVATION
run -- "$PROGS/rwlock_stress" 200000
expect_no_report
expect_status 0
expect_out '^rwlock_stress: ok [0-9]+ [0-9]+$'
run --profile="$WORK/stress.prof" -- "$PROGS/rwlock_stress" 200000
# The profile's table goes to the report stream: no finding of any kind besides it.
expect_no_log '^==[0-9]+== coffman: (lock-order-inversion|double-lock|bad-unlock|deadlock|hang|starvation|livelock|[a-z-]+-[a-z-]+):'
expect_log 'coffman: profile' "the profile table"
expect_status 0
expect_out '^rwlock_stress: ok [0-9]+ [0-9]+$'
# A real deadlock between two threads past their stack-recording start, both waiting on the fast
# path's contended wait: found and ended (the inversion that made it was reported long before).
RUN_TIMEOUT=10
run -- "$PROGS/rwlock_stress" deadlock
expect_kind lock-order-inversion
expect_count deadlock 1
expect_log 'coffman: deadlock: 2 threads wait for each other' "the deadlock, both threads"
expect_status 66
if grep -q 'deadlock: not found' "$OUT"; then fail "the threads went on past the deadlock"; else
	pass "the process ended in the deadlock"; fi
finish
