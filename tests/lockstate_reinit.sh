#!/bin/sh
# A foreign unlock ends the hold; so does an init over a lock left locked.  coffman used to keep the
# owner's entry in its held stack for ever: after a (rightly reported) bad-unlock, the owner's next lock
# or re-init + lock was a false double-lock that ended a program that completes natively; a mutex
# initialised in the storage of an abandoned locked one (stack or static reuse) was "already held", and
# the dead hold made false lock-order edges and a false "exits holding" warning.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/lockstate_reinit.c"
FIRST=$(line_of "$SRC" 'pthread_mutex_lock(&state_lock); /* main: first lock */')
FOREIGN=$(line_of "$SRC" 'pthread_mutex_unlock(&state_lock); /* worker: unlock main'"'"'s lock */')

bad_unlock_of_state_lock() {
	expect_kind bad-unlock
	expect_count bad-unlock 1
	expect_log "coffman: bad-unlock: T2 unlocks L1 \(mutex\) held by another thread, T1 \(tid [0-9]+\)$" "summary: T2 unlocks T1's lock"
	expect_log "L1 'state_lock': mutex at 0x[0-9a-f]+" "state_lock named"
	expect_log "#0 0x[0-9a-f]+ unlock_for_main .*lockstate_reinit\.c:$FOREIGN \(lockstate_reinit\)" "foreign unlock at unlock_for_main:$FOREIGN"
	expect_log "#0 0x[0-9a-f]+ foreign_unlock .*lockstate_reinit\.c:$FIRST \(lockstate_reinit\)" "owner acquired it at foreign_unlock:$FIRST"
	expect_count double-lock 0
	expect_status 66        # the bad-unlock, nothing more
}

for mode in foreign_reinit foreign_relock foreign_trylock; do
	echo "---- $mode: one bad-unlock, then main's lock is a first lock"
	run -- "$PROGS/lockstate_reinit" $mode
	bad_unlock_of_state_lock
	expect_out "^lockstate_reinit: $mode done$"
done
expect_out '^lockstate_reinit: trylock returned 0$'

echo "---- stack_reuse: a new mutex in an abandoned locked one's frame"
run -- "$PROGS/lockstate_reinit" stack_reuse
expect_out '^lockstate_reinit: same address: yes$'
expect_no_report
expect_status 0
expect_out '^lockstate_reinit: stack_reuse done$'

echo "---- other_thread: init over a lock another thread abandoned"
# Initialising a static mutex that a live thread holds is itself a bug, reported once as reinit-live
# (issue 10); after it coffman follows the init: no inversion order_lock/slot from the dead hold, no
# "T2 exits holding slot".
run -- "$PROGS/lockstate_reinit" other_thread
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(mutex\) again while it is locked by T2 \(tid [0-9]+\)$" "reinit-live: locked by T2"
expect_count lock-order-inversion 0
expect_count exit-holding 0
expect_status 66
expect_out '^lockstate_reinit: other_thread done$'
finish
