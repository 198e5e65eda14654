#!/bin/sh
# pthread_cancel of a thread blocked in a wrapped cancellation point (pthread_join, condition waits):
# cancellation unwound out of the wrapper with its re-entry guard still raised, so the unlocks in the
# victim's cleanup handlers went past the checker and a false "exits holding mutex" warning followed.
# Expected: no report, no warning, the locks free for main afterwards, the program's own exit status.
# And a cancel must act only where it would natively: never inside the checker.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
for mode in join cond_wait timedwait; do
	echo "---- victim cancelled in $mode"
	run -- "$PROGS/lockstate_cancel" $mode
	expect_no_report
	expect_no_log "exits holding"
	expect_status 0
	expect_out '^lockstate_cancel: victim cancelled$'
	expect_out "^lockstate_cancel: $mode done$"
done

# A cancel pending while the victim takes locks: natively nothing happens until its next cancellation
# point (pthread_mutex_lock is none).  coffman's stack capture (libunwind reads a pipe) and reports
# (open, write) are cancellation points: the victim used to be cancelled inside pthread_mutex_lock,
# holding victim_lock, and main then deadlocked on it.
echo "---- cancel pending while the victim locks (and makes an inversion)"
run -- "$PROGS/lockstate_cancel" pending
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_count deadlock 0
expect_no_log "exits holding"
expect_status 66
expect_out '^lockstate_cancel: victim cancelled, at its cancellation point$'
expect_out '^lockstate_cancel: pending done$'
finish
