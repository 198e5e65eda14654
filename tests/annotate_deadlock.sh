#!/bin/sh
# A real deadlock between two annotated locks, found through COFFMAN_LOCK_WAIT_BEGIN: each thread
# holds one lock and waits for the other's.  With ticket spinlocks the waiters spin (runnable, never
# asleep in the kernel), with futex locks they sleep; either way the thread that closes the cycle
# finds it at once: deadlock report naming both waits, both locks by their given kind, exit 66 within
# seconds.  With the watchdog, a thread waiting on an annotated lock whose holder is stuck elsewhere
# is a hang naming the holder.  Heavy contention in one lock order is no deadlock.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/annotate_locks.c"
QWAIT=$(line_of "$SRC" 'ticket_lock(&stats_lock); /* deadlock: queue side waits */')
SWAIT=$(line_of "$SRC" 'ticket_lock(&queue_lock); /* deadlock: stats side waits */')
IWAIT=$(line_of "$SRC" 'flock_lock(&cache_lock); /* futex deadlock: index side waits */')
CWAIT=$(line_of "$SRC" 'flock_lock(&index_lock); /* futex deadlock: cache side waits */')
HWAIT=$(line_of "$SRC" 'flock_lock(&index_lock); /* hang: main waits for the holder */')
HREAD=$(line_of "$SRC" 'if (read(never_written[0], &c, 1) < 0) /* hang: the holder waits on a pipe */')

RUN_TIMEOUT=20
run -- "$PROGS/annotate_locks" deadlock
expect_count deadlock 1
expect_status 66
expect_faster_than 10
expect_log "coffman: deadlock: 2 threads wait for each other: T[23] waits for L[12] held by T[23]; T[23] waits for L[12] held by T[23]" "deadlock summary"
expect_log "waits for L[12] 'stats_lock' \(ticket spinlock\) for [0-9.]+ s, holding L[12] 'queue_lock'; blocked at:" "queue side waits for stats_lock"
expect_log "waits for L[12] 'queue_lock' \(ticket spinlock\) for [0-9.]+ s, holding L[12] 'stats_lock'; blocked at:" "stats side waits for queue_lock"
expect_log "#1 0x[0-9a-f]+ deadlock_queue_side .*annotate_locks\.c:$QWAIT \(annotate_locks\)" "queue side's blocking call"
expect_log "#1 0x[0-9a-f]+ deadlock_stats_side .*annotate_locks\.c:$SWAIT \(annotate_locks\)" "stats side's blocking call"

run -- "$PROGS/annotate_locks" futex
expect_count deadlock 1
expect_status 66
expect_faster_than 10
expect_log "waits for L[12] 'cache_lock' \(futex lock\) for [0-9.]+ s, holding L[12] 'index_lock'; blocked at:" "index side waits for cache_lock"
expect_log "waits for L[12] 'index_lock' \(futex lock\) for [0-9.]+ s, holding L[12] 'cache_lock'; blocked at:" "cache side waits for index_lock"
expect_log "#1 0x[0-9a-f]+ futex_index_side .*annotate_locks\.c:$IWAIT \(annotate_locks\)" "index side's blocking call"
expect_log "#1 0x[0-9a-f]+ futex_cache_side .*annotate_locks\.c:$CWAIT \(annotate_locks\)" "cache side's blocking call"

# Contention without a cycle: many waits, no report.
run -- "$PROGS/annotate_locks" contended
expect_no_report
expect_status 0
expect_out '^contended: done$'

run --watchdog=1 -- "$PROGS/annotate_locks" hang
expect_kind hang
expect_status 66
expect_log "coffman: hang: T1 has been blocked for [0-9.]+ s on L1 \(futex lock\), held by T2 \(tid [0-9]+\)" "hang names the annotated lock and its holder"
expect_log "#[0-9] 0x[0-9a-f]+ main .*annotate_locks\.c:$HWAIT \(annotate_locks\)" "where T1 waits (sampled by the watchdog)"
expect_log "hold_and_read .*annotate_locks\.c:$HREAD \(annotate_locks\)" "what the holder is doing"
finish
