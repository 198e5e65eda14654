#!/bin/sh
# pthread_cancel of a thread blocked in a wrapped cancellation point (pthread_join, condition waits):
# cancellation unwound out of the wrapper with its re-entry guard still raised, so the unlocks in the
# victim's cleanup handlers went past the checker and a false "exits holding mutex" warning followed.
# Expected: no report, no warning, the locks free for main afterwards, the program's own exit status.
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
finish
