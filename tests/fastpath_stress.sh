#!/bin/sh
# The lock fast path takes and releases plain mutexes with its own copies of glibc's trylock and unlock
# (shim/glibc_mutex.h): under contention from six threads — blocking locks, trylocks, condition waits,
# on normal, error-checking and adaptive mutexes — mutual exclusion must hold (no lost update), every
# sleeping waiter must be woken (the run ends in time), the mutexes must end clean, and nothing is
# reported (one global lock order).  The same with the contention profile on, whose paths differ.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
expect_stress_clean '^fastpath_stress: ok [0-9]+$' "$PROGS/fastpath_stress" 100000
finish
