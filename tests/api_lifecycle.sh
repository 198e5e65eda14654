#!/bin/sh
# Lock lifecycles.  Destroying a locked mutex and a locked rwlock: destroy-locked, naming each and where
# it was destroyed and locked.  Destroy + re-init of two static mutexes, and free + malloc of the same
# memory for two new mutexes (with and without destroy), then locking them in the opposite order: no
# inversion.  A thread that exits holding a lock: an exit-holding report naming the lock and the
# function:line where it was taken (it used to be a warning line).
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_lifecycle.c"
DL=$(line_of "$SRC" 'pthread_mutex_lock(&doomed_lock); /* destroy: lock */')
DD=$(line_of "$SRC" 'int rc = pthread_mutex_destroy(&doomed_lock); /* destroy: mutex */')
RL=$(line_of "$SRC" 'pthread_rwlock_wrlock(&doomed_rwlock); /* destroy: rwlock lock */')
RD=$(line_of "$SRC" 'rc = pthread_rwlock_destroy(&doomed_rwlock); /* destroy: rwlock */')
LEAK=$(line_of "$SRC" 'pthread_mutex_lock(&leaked_lock); /* exit_holding: taken, never released */')

block_after() {  # block_after HEADER-REGEX REGEX: in the report whose header matches, a frame matches
	if sed -n "/$1/,/coffman: \(summary\|[a-z-]*:\)/p" "$LOG" | grep -q -E -- "$2"; then pass "$3"; else fail "$3"; show; fi
}

echo "---- destroy while locked"
run -- "$PROGS/api_lifecycle" destroy_locked
expect_kind destroy-locked
expect_count destroy-locked 2
expect_status 66
expect_log "coffman: destroy-locked: T1 destroys L1 \(mutex\)" "mutex destroyed"
expect_log "coffman: destroy-locked: T1 destroys L1 \(rwlock\)" "rwlock destroyed"
expect_log "L1 'doomed_lock': mutex at 0x[0-9a-f]+" "doomed_lock named"
expect_log "L1 'doomed_rwlock': rwlock at 0x[0-9a-f]+" "doomed_rwlock named"
block_after "destroys L1 (mutex)" "#0 0x[0-9a-f]+ destroy_while_locked .*api_lifecycle\.c:$DD \(api_lifecycle\)" "mutex destroyed at api_lifecycle.c:$DD"
block_after "destroys L1 (mutex)" "#0 0x[0-9a-f]+ destroy_while_locked .*api_lifecycle\.c:$DL \(api_lifecycle\)" "mutex locked at api_lifecycle.c:$DL"
block_after "destroys L1 (rwlock)" "#0 0x[0-9a-f]+ destroy_while_locked .*api_lifecycle\.c:$RD \(api_lifecycle\)" "rwlock destroyed at api_lifecycle.c:$RD"
block_after "destroys L1 (rwlock)" "#0 0x[0-9a-f]+ destroy_while_locked .*api_lifecycle\.c:$RL \(api_lifecycle\)" "rwlock locked at api_lifecycle.c:$RL"
expect_out '^api_lifecycle: destroy_locked done$'

echo "---- destroy/re-init and free/malloc reuse, opposite order"
run -- "$PROGS/api_lifecycle" reuse
expect_no_report
expect_status 0
expect_out '^api_lifecycle: heap memory reused: yes$'
expect_out '^api_lifecycle: reuse done$'

echo "---- free/malloc reuse without destroy, re-initialised"
run -- "$PROGS/api_lifecycle" reuse_nodestroy
expect_no_report
expect_status 0
expect_out '^api_lifecycle: heap memory reused: yes$'
expect_out '^api_lifecycle: reuse_nodestroy done$'

echo "---- a thread exits holding a lock"
run -- "$PROGS/api_lifecycle" exit_holding
expect_kind exit-holding
expect_count exit-holding 1
expect_log "^==[0-9]+== coffman: exit-holding: T2 returns from its start routine holding L1 \(mutex\)$" "T2 exits holding L1"
expect_log "L1 'leaked_lock': mutex at 0x[0-9a-f]+" "leaked_lock named"
expect_log "#0 0x[0-9a-f]+ leave_locked .*api_lifecycle\.c:$LEAK \(api_lifecycle\)" "taken at leave_locked api_lifecycle.c:$LEAK"
expect_status 66
expect_out '^api_lifecycle: exit_holding done$'
finish
