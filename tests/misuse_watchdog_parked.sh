#!/bin/sh
# The watchdog and worker threads parked behind a lock that an idle event loop holds, as
# redis-server --io-threads N parks its I/O threads (the watchdog's default action used to end every
# idle one): main holds park_lock and waits for events 2.5 s, in epoll_wait (100 ms at a time) or in
# one poll, while two workers wait for park_lock.  Under --watchdog=1 the workers' waits do not count
# while their holder sits in an event loop's wait: no report, exit 0.  Nor while, once seen there, it
# keeps going back to sleep: busy, main idle 0.8 s, then 2.5 s running 19 ms and in epoll_wait 1 ms
# at a time, as redis-server serving one client itself (it was ended in 4 of 6 such runs).  Main
# blocked in a read() while holding the lock is no event loop: a hang, naming the lock's holder, exit
# 66.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/watchdog_parked.c"
PARKED=$(line_of "$SRC" '/* parked: waits for main */')
READ=$(line_of "$SRC" '/* parked: main blocks in read */')

for how in epoll poll busy; do
	echo "---- $how: the holder of park_lock waits for events"
	run --watchdog=1 -- "$PROGS/watchdog_parked" $how
	expect_no_report
	expect_status 0
	expect_out "^watchdog_parked: $how done\$"
done

echo "---- read: the holder of park_lock is blocked in a read"
run --watchdog=1 -- "$PROGS/watchdog_parked" read
expect_kind hang
expect_status 66
expect_log "coffman: hang: T[234] has been blocked for [0-9.]+ s on L1 \(mutex\), held by T1 \(tid [0-9]+\)$" \
	"hang: a worker on park_lock, held by T1"
expect_log "#0 0x[0-9a-f]+ worker .*watchdog_parked\.c:$PARKED \(watchdog_parked\)" "the worker waits at worker:$PARKED"
expect_log "T1, which holds L1, is running here now" "what the holder is doing"
expect_log "wait_for_events .*watchdog_parked\.c:$READ \(watchdog_parked\)" "the holder in wait_for_events:$READ"
expect_faster_than 2.4

echo "---- epoll, --watchdog-idle: every wait counts"
run --watchdog=1 --watchdog-idle -- "$PROGS/watchdog_parked" epoll
expect_kind hang
expect_status 66
finish
