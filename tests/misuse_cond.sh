#!/bin/sh
# cond-misuse: a condition wait with a mutex the caller does not hold (not locked, or held by another
# thread: this used to be a bad-unlock), two threads waiting on one condition variable with different
# mutexes at the same time, destroying a condition variable a thread waits on, and a wait whose "mutex"
# is an rwlock.  Clean: signal and broadcast without the mutex, and one condition variable used with
# two mutexes one after the other.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
SRC="$top_srcdir/tests/progs/misuse_lifecycle.c"
P="$PROGS/misuse_lifecycle"
UNLOCKED=$(line_of "$SRC" '/* cond_unlocked: wait_lock not locked */')
FOREIGN=$(line_of "$SRC" '/* cond_foreign: held by the worker */')
HOLDER=$(line_of "$SRC" 'pthread_mutex_lock(&wait_lock); /* cond_foreign: the worker holds it */')
TWO=$(line_of "$SRC" '/* cond_two: waits with its mutex */')
DESTROY=$(line_of "$SRC" 'pthread_cond_destroy(&doomed_cond); /* cond_destroy: destroyed while waited on */')
DWAIT=$(line_of "$SRC" '/* cond_destroy: the worker waits */')
RWWAIT=$(line_of "$SRC" '/* cond_rwlock: wait */')
RWLOCK=$(line_of "$SRC" 'pthread_rwlock_wrlock(&table_rwlock); /* cond_rwlock: write-locked */')

in_block() {
	if sed -n "/^==[0-9]*==   $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "$3"; else fail "$3"; show; fi
}

echo "---- a timed wait with a mutex that is not locked"
run -- "$P" cond_unlocked
expect_kind cond-misuse
expect_count cond-misuse 1
expect_count bad-unlock 0
expect_log "coffman: cond-misuse: T1 waits on L1 \(condition variable\) with L2 \(mutex\) that is not locked$" "summary: not locked"
expect_log "L1 'ready_cond': condition variable at 0x[0-9a-f]+" "ready_cond named"
expect_log "L2 'wait_lock': mutex at 0x[0-9a-f]+" "wait_lock named"
in_block "waits here" "#0 0x[0-9a-f]+ cond_unlocked .*misuse_lifecycle\.c:$UNLOCKED \(misuse_lifecycle\)" "at cond_unlocked:$UNLOCKED"
expect_out '^misuse_lifecycle: timedwait returned ETIMEDOUT$'
expect_status 66

echo "---- a timed wait with a mutex another thread holds"
run -- "$P" cond_foreign
expect_kind cond-misuse
expect_count cond-misuse 1
expect_log "coffman: cond-misuse: T1 waits on L1 \(condition variable\) with L2 \(mutex\) held by another thread, T2 \(tid [0-9]+\)$" "summary: held by T2"
in_block "waits here" "#0 0x[0-9a-f]+ cond_foreign .*misuse_lifecycle\.c:$FOREIGN \(misuse_lifecycle\)" "at cond_foreign:$FOREIGN"
in_block "T2 acquired L2 at" "#0 0x[0-9a-f]+ holds_wait_lock .*misuse_lifecycle\.c:$HOLDER \(misuse_lifecycle\)" "T2 took it in holds_wait_lock:$HOLDER"
expect_status 66

echo "---- two threads wait on one condition variable with different mutexes"
run -- "$P" cond_two
expect_kind cond-misuse
expect_count cond-misuse 1
expect_log "coffman: cond-misuse: T3 waits on L1 \(condition variable\) with L2 \(mutex\) while T2 waits on it with L3 \(mutex\)$" "summary: T3 with L2 while T2 with L3"
expect_log "L1 'shared_cond': condition variable" "shared_cond named"
expect_log "L2 'second_lock': mutex" "second_lock is T3's"
expect_log "L3 'first_lock': mutex" "first_lock is T2's"
in_block "waits here" "#0 0x[0-9a-f]+ waits_with .*misuse_lifecycle\.c:$TWO \(misuse_lifecycle\)" "T3 waits in waits_with:$TWO"
in_block "T2 waits on it at" "#0 0x[0-9a-f]+ waits_with .*misuse_lifecycle\.c:$TWO \(misuse_lifecycle\)" "T2 waits in waits_with:$TWO"
expect_status 66

echo "---- destroy a condition variable while a thread waits on it"
run -- "$P" cond_destroy
expect_kind cond-misuse
expect_count cond-misuse 1
expect_log "coffman: cond-misuse: T1 destroys L1 \(condition variable\) while T2 \(tid [0-9]+\) waits on it$" "summary: destroyed while T2 waits"
expect_log "L1 'doomed_cond': condition variable at 0x[0-9a-f]+, initialised in cond_destroy " "doomed_cond named with its init"
in_block "destroyed here" "#0 0x[0-9a-f]+ cond_destroy .*misuse_lifecycle\.c:$DESTROY \(misuse_lifecycle\)" "destroyed at cond_destroy:$DESTROY"
in_block "T2 waits on it at" "#0 0x[0-9a-f]+ waits_on_doomed .*misuse_lifecycle\.c:$DWAIT \(misuse_lifecycle\)" "T2 waits at waits_on_doomed:$DWAIT"
expect_status 66

echo "---- a wait whose mutex is an rwlock"
run -- "$P" cond_rwlock
expect_kind cond-misuse
expect_count cond-misuse 1
expect_log "coffman: cond-misuse: T1 waits on L1 \(condition variable\) with L2 \(rwlock\) as its mutex: it is not a mutex$" "summary: an rwlock as the mutex"
expect_log "L2 'table_rwlock': rwlock" "table_rwlock named"
in_block "waits here" "#0 0x[0-9a-f]+ cond_rwlock .*misuse_lifecycle\.c:$RWWAIT \(misuse_lifecycle\)" "waits at cond_rwlock:$RWWAIT"
in_block "locked at" "#0 0x[0-9a-f]+ cond_rwlock .*misuse_lifecycle\.c:$RWLOCK \(misuse_lifecycle\)" "write-locked at cond_rwlock:$RWLOCK"
expect_status 66

echo "---- signal without the mutex; two mutexes one after the other: clean"
run -- "$P" cond_clean
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: cond_clean done$'
finish
