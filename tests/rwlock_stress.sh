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
expect_stress_clean '^rwlock_stress: ok [0-9]+ [0-9]+$' "$PROGS/rwlock_stress" 200000
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
