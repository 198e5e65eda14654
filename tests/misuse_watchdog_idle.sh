#!/bin/sh
# The watchdog's idle rule.  A worker asleep in a condition wait or a semaphore wait, holding no lock,
# that nobody joins, while main sleeps 2.5 s and then exits: idle, not a hang — no report, exit 0,
# under --watchdog=1.  With --watchdog-idle (or COFFMAN_WATCHDOG_IDLE=1) the same wait is a hang.
# A worker in a condition wait that holds another lock all the while is a hang by default too.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/misuse_sem.c"
CWAIT=$(line_of "$SRC" 'pthread_cond_wait(&work_cond, &quiet_lock); /* sleeper: waits for work */')
SWAIT=$(line_of "$SRC" 'while (sem_wait(&job_sem) != 0) /* sleeper: waits for a job */')

for mode in idle-cond idle-sem; do
	echo "---- $mode, --watchdog=1: idle, no report"
	run --watchdog=1 -- "$PROGS/misuse_sem" $mode
	expect_no_report
	expect_status 0
	expect_out '^misuse_sem: idle done$'
done

echo "---- idle-cond, --watchdog=1 --watchdog-idle: a hang"
run --watchdog=1 --watchdog-idle -- "$PROGS/misuse_sem" idle-cond
expect_kind hang
expect_status 66
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s in a condition wait$" "hang: T2 in a condition wait"
expect_log "every wait counts \(COFFMAN_WATCHDOG_IDLE\)" "the note names COFFMAN_WATCHDOG_IDLE"
expect_log "#0 0x[0-9a-f]+ cond_sleeper .*misuse_sem\.c:$CWAIT \(misuse_sem\)" "sleeper at cond_sleeper misuse_sem.c:$CWAIT"
expect_faster_than 2.4

echo "---- idle-sem, COFFMAN_WATCHDOG_IDLE=1: a hang"
COFFMAN_WATCHDOG_IDLE=1 run --watchdog=1 -- "$PROGS/misuse_sem" idle-sem
expect_kind hang
expect_status 66
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s on L1 \(semaphore\)$" "hang: T2 on the semaphore"
expect_log "#0 0x[0-9a-f]+ sem_sleeper .*misuse_sem\.c:$SWAIT \(misuse_sem\)" "sleeper at sem_sleeper misuse_sem.c:$SWAIT"
expect_faster_than 2.4

echo "---- holding-cond, --watchdog=1: a condition wait holding a lock is a hang"
run --watchdog=1 -- "$PROGS/misuse_sem" holding-cond
expect_kind hang
expect_status 66
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s in a condition wait$" "hang: T2 in a condition wait"
expect_log "it counts: T2 holds a lock while it waits" "the note: T2 holds a lock"
expect_log "T2 \(tid [0-9]+, \"sleeper\"\) waits in a condition wait for [0-9.]+ s, holding L1 'config_lock'" "T2 holds config_lock"
expect_faster_than 2.4
finish
