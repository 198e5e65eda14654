#!/bin/sh
# The watchdog's thread starts with the program's second thread, not at load: a process that must be
# single-threaded (Chromium's zygote checks /proc/self/task before it forks; unshare(CLONE_NEWUSER) is
# refused to a multi-threaded process) sees one thread under --watchdog, as natively.  A process that
# never makes a second thread and blocks on a lock another process holds is still reported as hung:
# its own wait's slices make the watchdog's check.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/live_singlethread.c"
PSH=$(line_of "$SRC" 'pthread_mutex_lock(m); /* pshared: blocked on the child'"'"'s lock */')

run --watchdog=5 -- "$PROGS/live_singlethread" count
expect_status 0
expect_no_report
expect_out '^live_singlethread: tasks before 1$'
expect_out '^live_singlethread: tasks after 2 or more$'

"$PROGS/live_singlethread" unshare > "$WORK/native.out" 2>&1
run --watchdog=5 -- "$PROGS/live_singlethread" unshare
expect_status 0
expect_no_report
if cmp -s "$WORK/native.out" "$OUT"; then pass "unshare(CLONE_NEWUSER): as natively ($(cat "$OUT"))"; else
	fail "unshare differs: native '$(cat "$WORK/native.out")', under coffman '$(cat "$OUT")'"; fi

run --watchdog=2 -- "$PROGS/live_singlethread" pshared
expect_status 66
expect_kind hang
expect_faster_than 6
expect_log "coffman: hang: T1 has been blocked for [0-9.]+ s on L1 \(mutex\)" "the single thread's hang"
expect_log "#0 0x[0-9a-f]+ main .*live_singlethread\.c:$PSH \(live_singlethread\)" "blocked at live_singlethread.c:$PSH"
expect_no_log "not reached"
finish
