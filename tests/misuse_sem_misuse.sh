#!/bin/sh
# Semaphore misuse, each reported once and the program goes on (exit 66 at the end):
#   use-after-destroy  sem_post on a destroyed semaphore (a sem_trywait after it is the same bug);
#                      sem_destroy while a thread waits on it; a sem_init that fails (EINVAL: value
#                      above SEM_VALUE_MAX); sem_close of a named semaphore after its last sem_close
#   reinit-live        sem_init while a thread waits on the semaphore
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/misuse_sem.c"
DESTROYED=$(line_of "$SRC" 'sem_destroy(&job_sem); /* destroyed here */')
POSTED=$(line_of "$SRC" 'sem_post(&job_sem); /* posted after the destroy */')
UNDER=$(line_of "$SRC" 'sem_destroy(&job_sem); /* main: destroyed under the waiter */')
REINIT=$(line_of "$SRC" 'sem_init(&job_sem, 0, 0); /* main: re-initialised under the waiter */')
WAITER=$(line_of "$SRC" 'int rc = sem_timedwait(&job_sem, &ts); /* waiter: gives up after 1.5 s */')
FAILS=$(line_of "$SRC" 'int rc = sem_init(&job_sem, 0, (unsigned)SEM_VALUE_MAX + 1u); /* fails: EINVAL */')
LASTCLOSE=$(line_of "$SRC" 'sem_close(s); /* the last close */')
AGAIN=$(line_of "$SRC" 'int rc = sem_close(s); /* closed again */')

echo "---- sem_post after sem_destroy"
run -- "$PROGS/misuse_sem" post-after-destroy
expect_kind use-after-destroy
expect_count use-after-destroy 1
expect_status 66
expect_log "coffman: use-after-destroy: T1 calls sem_post on L1 \(semaphore\) after it was destroyed$" "summary: sem_post on L1 after destroy"
expect_log "L1 'job_sem': semaphore at 0x[0-9a-f]+, initialised in run_post_after_destroy" "L1 is job_sem"
expect_log "#0 0x[0-9a-f]+ run_post_after_destroy .*misuse_sem\.c:$POSTED \(misuse_sem\)" "called at misuse_sem.c:$POSTED"
expect_log "destroyed by T1 at:" "where it was destroyed"
expect_log "#0 0x[0-9a-f]+ run_post_after_destroy .*misuse_sem\.c:$DESTROYED \(misuse_sem\)" "destroyed at misuse_sem.c:$DESTROYED"
expect_out '^misuse_sem: posted after destroy$'

echo "---- sem_destroy while a thread waits"
run -- "$PROGS/misuse_sem" destroy-waited
expect_kind use-after-destroy
expect_count use-after-destroy 1
expect_status 66
expect_log "coffman: use-after-destroy: T1 destroys L1 \(semaphore\) while T2 \(tid [0-9]+\) waits on it$" "summary: destroyed while T2 waits"
expect_log "#0 0x[0-9a-f]+ run_waited .*misuse_sem\.c:$UNDER \(misuse_sem\)" "destroyed at misuse_sem.c:$UNDER"
expect_log "T2 waits on it at:" "the waiter's stack"
expect_log "#0 0x[0-9a-f]+ timed_waiter .*misuse_sem\.c:$WAITER \(misuse_sem\)" "T2 waits at misuse_sem.c:$WAITER"
expect_out '^misuse_sem: waiter timed out$'

echo "---- sem_init while a thread waits"
run -- "$PROGS/misuse_sem" reinit-waited
expect_kind reinit-live
expect_count reinit-live 1
expect_status 66
expect_log "coffman: reinit-live: T1 initialises L1 \(semaphore\) again while T2 \(tid [0-9]+\) waits on it$" "summary: re-initialised while T2 waits"
expect_log "L1 'job_sem': semaphore at 0x[0-9a-f]+, initialised in run_waited" "L1 is job_sem, with its first init"
expect_log "#0 0x[0-9a-f]+ run_waited .*misuse_sem\.c:$REINIT \(misuse_sem\)" "initialised again at misuse_sem.c:$REINIT"
expect_log "#0 0x[0-9a-f]+ timed_waiter .*misuse_sem\.c:$WAITER \(misuse_sem\)" "T2 waits at misuse_sem.c:$WAITER"

echo "---- sem_init fails"
run -- "$PROGS/misuse_sem" init-fails
expect_kind use-after-destroy
expect_count use-after-destroy 1
expect_status 66
expect_log "coffman: use-after-destroy: T1 calls sem_init on L1, which fails with EINVAL: L1 is not an initialised semaphore$" "summary: sem_init fails"
expect_log "the initial value 2147483648 is above SEM_VALUE_MAX \(2147483647\)" "the note gives the value and the limit"
expect_log "#0 0x[0-9a-f]+ run_init_fails .*misuse_sem\.c:$FAILS \(misuse_sem\)" "called at misuse_sem.c:$FAILS"
expect_out '^misuse_sem: sem_init returned -1 \(Invalid argument\)$'

echo "---- sem_close after the last sem_close of a named semaphore"
run -- "$PROGS/misuse_sem" close-twice
expect_kind use-after-destroy
expect_count use-after-destroy 1
expect_status 66
expect_log "coffman: use-after-destroy: T1 calls sem_close on L1 \(named semaphore '/coffman-misuse-[0-9]+'\) after its last sem_close$" "summary names the semaphore"
expect_log "#0 0x[0-9a-f]+ run_close_twice .*misuse_sem\.c:$AGAIN \(misuse_sem\)" "called at misuse_sem.c:$AGAIN"
expect_log "#0 0x[0-9a-f]+ run_close_twice .*misuse_sem\.c:$LASTCLOSE \(misuse_sem\)" "closed at misuse_sem.c:$LASTCLOSE"
expect_out '^misuse_sem: second sem_close returned -1$'
finish
