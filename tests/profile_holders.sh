#!/bin/sh
# The holder's critical section for every kind of lock a waiter can sleep on (tests/progs/profile_holders.c):
# a mutex's release finds its waiter in the mutex's own lock word, a C11 mtx_t's too, an rwlock's in a
# count of rwlock waiters.  Each lock: one contended acquisition, its wait blamed in the pprof file
# (holder_delay) on the function that held the lock.
. "$top_srcdir/tests/lib.sh"
PROF="$WORK/prof.pb"
run --profile="$PROF" -- "$PROGS/profile_holders"
expect_status 0
expect_out '^profile_holders: done$'
for lock in mutex_lock c11_lock table_lock; do
	expect_log "^(==[0-9]+== )? +[0-9] +2 +1 .* $lock \(" "$lock: 2 acquisitions, 1 contended"
done
if ! command -v go >/dev/null 2>&1; then
	echo "SKIP (rest): go (golang-go) is not installed"
	finish
fi
export GOCACHE="$WORK/gocache" HOME="$WORK"
go tool pprof -traces -sample_index=holder_delay "$PROF" >"$WORK/traces" 2>&1
# -traces: a "lock: NAME" label line, then the value and the innermost frame on the next line.
for pair in mutex_lock:hold_mutex c11_lock:hold_c11 table_lock:hold_table; do
	lock=${pair%%:*} fn=${pair#*:}
	if grep -A1 -E "lock: +$lock\$" "$WORK/traces" | grep -qE "^ +[0-9.]+m?s +$fn\$"; then
		pass "holder_delay of $lock in $fn"
	else
		fail "holder_delay of $lock not in $fn"; cat "$WORK/traces" >&2
	fi
done
finish
