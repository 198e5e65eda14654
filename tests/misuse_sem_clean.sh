#!/bin/sh
# Clean uses of semaphores and barriers produce no report: two threads hand a token back and forth
# 2000 times through two semaphores (sem_wait, sem_timedwait, sem_clockwait, sem_trywait; then two
# timed waits that time out), and three threads meet at a barrier for 200 rounds — also with the
# watchdog on (limit 1 s) and with --watchdog-idle.  And a semaphore posted by a signal handler while
# its only waiter, between two slices of its wait, looks for a deadlock: its count says it is about
# to run (SvtAv1EncApp's pipeline was ended as "all 115 threads are blocked" when a post landed there);
# and one posted by a handler 600 ms later: a process that handles a signal may have any semaphore
# wait ended by a handler, so it is no proof of a deadlock.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}

for opts in "" "--watchdog=1" "--watchdog=1 --watchdog-idle"; do
	echo "---- ping-pong ${opts:-(no options)}"
	# shellcheck disable=SC2086
	run $opts -- "$PROGS/misuse_sem" pingpong
	expect_no_report
	expect_status 0
	expect_out '^misuse_sem: pingpong 2000 rounds, 2 timeouts$'

	echo "---- barrier rounds ${opts:-(no options)}"
	# shellcheck disable=SC2086
	run $opts -- "$PROGS/misuse_sem" barrier-rounds
	expect_no_report
	expect_status 0
	expect_out '^misuse_sem: barrier 200 200 200 rounds$'

	echo "---- a post from a signal handler ${opts:-(no options)}"
	# shellcheck disable=SC2086
	run $opts -- "$PROGS/misuse_sem" handler-posts
	expect_no_report
	expect_status 0
	expect_out '^misuse_sem: 5 posts from a handler$'

	echo "---- a late post from a signal handler ${opts:-(no options)}"
	# shellcheck disable=SC2086
	run $opts -- "$PROGS/misuse_sem" handler-posts-late
	expect_no_report
	expect_status 0
	expect_out '^misuse_sem: 1 posts from a handler$'
done
finish
