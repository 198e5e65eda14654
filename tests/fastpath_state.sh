#!/bin/sh
# The lock fast path takes normal, error-checking and adaptive mutexes with its own compare-and-swap
# (shim/glibc_mutex.h) and leaves recursive, robust and the rest to glibc: after each, the mutex's
# glibc fields (lock word, owner, __nusers, __count, __kind), a condition wait on it, another thread's
# trylock and the release must look exactly as in a native run, and the release (inline for the plain
# kinds) must wake a thread asleep on the mutex at once.  No report.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
run -- "$PROGS/fastpath_state"
expect_no_report
expect_status 0
expect_out '^default held: lock=1 owner=self nusers=1 count=0 kind=0$'
expect_out '^normal held: lock=1 owner=self nusers=1 count=0 kind=512$'
expect_out '^errorcheck held: lock=1 owner=self nusers=1 count=0 kind=2$'
expect_out '^default: a waiter is woken by the unlock at once$'
expect_out '^errorcheck: a waiter is woken by the unlock at once$'
expect_out '^pshared-normal: a waiter is woken by the unlock at once$'
expect_out '^fastpath_state done$'
"$PROGS/fastpath_state" > "$WORK/native.out" 2>&1
if cmp -s "$WORK/native.out" "$OUT"; then pass "mutex state identical to a native run"; else
	fail "mutex state differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
finish
