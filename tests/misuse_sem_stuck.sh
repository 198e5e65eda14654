#!/bin/sh
# Waits that nobody can end.  Without the watchdog: a worker waits for a job on a semaphore nobody
# posts while main joins it, and a barrier for 3 that only two threads reach, are every-thread-blocked
# deadlocks, found at once and ended with 66; the report names the semaphore or barrier (its variable,
# where it was initialised, how many threads arrived of how many) and shows each thread at its wait.
# A process-shared or named semaphore may be posted by another process: never a deadlock; with the
# watchdog the stuck worker is a hang (main joins it) that names the semaphore (a named one by its
# name).  A barrier two of three threads reach while a ticker keeps running: a hang, "2 of 3".  81
# threads stuck so (80 workers): the report shows 64 waits, main's first, and says how many it leaves
# out (SvtAv1EncApp's 115 threads were shown as 64 without main, and without a word).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/misuse_sem.c"
WORKER=$(line_of "$SRC" 'while (sem_wait(s) != 0) /* worker: waits for a job */')
JOIN=$(line_of "$SRC" 'pthread_join(th, NULL); /* main: waits for the worker */')
BWORKER=$(line_of "$SRC" 'pthread_barrier_wait(&meet_barrier); /* worker: waits for the third thread */')
BMAIN=$(line_of "$SRC" 'pthread_barrier_wait(&meet_barrier); /* main: the second of three */')
INIT=$(line_of "$SRC" 'sem_init(&job_sem, 0, 0); /* the job queue: nothing posted yet */')

echo "---- a job semaphore nobody posts, main joins the worker: deadlock"
run -- "$PROGS/misuse_sem" never-posted
expect_kind deadlock
expect_count deadlock 1
expect_status 66
expect_faster_than 3
expect_log "coffman: deadlock: all 2 threads are blocked and none can wake another" "summary: all 2 threads are blocked"
expect_log "L1 'job_sem': semaphore at 0x[0-9a-f]+, initialised in main .*misuse_sem\.c:$INIT$" "L1 is job_sem, initialised in main"
expect_log "T2 \(tid [0-9]+\) waits for L1 'job_sem' \(semaphore\) for [0-9.]+ s, holding nothing; blocked at:" "T2 waits for job_sem"
expect_log "#0 0x[0-9a-f]+ job_worker .*misuse_sem\.c:$WORKER \(misuse_sem\)" "worker at job_worker misuse_sem.c:$WORKER"
expect_log "T1 \(tid [0-9]+\) waits in pthread_join of T2" "T1 joins T2"
expect_log "#0 0x[0-9a-f]+ run_job_stuck .*misuse_sem\.c:$JOIN \(misuse_sem\)" "main at run_job_stuck misuse_sem.c:$JOIN"
expect_log "a semaphore, a barrier" "the note names semaphores and barriers"

echo "---- 80 workers wait for jobs nobody posts, main joins the first: more threads than a report shows"
MJOIN=$(line_of "$SRC" 'pthread_join(th[0], NULL); /* main: waits for the first of 80 workers */')
run -- "$PROGS/misuse_sem" many-stuck
expect_kind deadlock
expect_count deadlock 1
expect_status 66
expect_log "coffman: deadlock: all 81 threads are blocked and none can wake another" "summary: all 81 threads are blocked"
expect_log "the process is ended with the exit code \(the first 64 threads are shown, 17 more wait\)$" "the note says 17 are left out"
expect_log "T1 \(tid [0-9]+\) waits in pthread_join of T[0-9]+ for" "main's wait is shown"
expect_log "#0 0x[0-9a-f]+ run_many_stuck .*misuse_sem\.c:$MJOIN \(misuse_sem\)" "main at run_many_stuck misuse_sem.c:$MJOIN"
if [ "$(grep -c 'waits for L1 .job_sem. (semaphore)' "$LOG")" = 63 ]; then pass "63 workers shown"; else fail "workers shown: $(grep -c 'waits for L1 .job_sem. (semaphore)' "$LOG")"; fi

echo "---- a barrier for 3 reached by 2: deadlock"
run -- "$PROGS/misuse_sem" barrier-short
expect_kind deadlock
expect_count deadlock 1
expect_status 66
expect_faster_than 3
expect_log "L1 'meet_barrier': barrier at 0x[0-9a-f]+, initialised in run_barrier_short .*misuse_sem\.c:[0-9]+" "L1 is meet_barrier"
expect_log "T1 \(tid [0-9]+\) waits for L1 'meet_barrier' \(barrier, 2 of 3 threads arrived\)" "main at the barrier, 2 of 3 arrived"
expect_log "T2 \(tid [0-9]+\) waits for L1 'meet_barrier' \(barrier, 2 of 3 threads arrived\)" "worker at the barrier"
expect_log "#0 0x[0-9a-f]+ run_barrier_short .*misuse_sem\.c:$BMAIN \(misuse_sem\)" "main at run_barrier_short misuse_sem.c:$BMAIN"
expect_log "barrier_worker .*misuse_sem\.c:$BWORKER \(misuse_sem\)" "worker at barrier_worker misuse_sem.c:$BWORKER"

echo "---- a process-shared semaphore nobody posts: no deadlock; the watchdog's hang"
run --watchdog=2 -- "$PROGS/misuse_sem" pshared-stuck
expect_kind hang
expect_no_log "coffman: deadlock"
expect_status 66
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s on L1 \(semaphore\)$" "hang: T2 on L1 (semaphore)"
expect_log "L1 'job_sem': semaphore at" "L1 is job_sem"
expect_log "it counts: T1 joins T2" "the note says why it is a hang: T1 joins T2"
expect_log "#0 0x[0-9a-f]+ job_worker .*misuse_sem\.c:$WORKER \(misuse_sem\)" "worker at job_worker misuse_sem.c:$WORKER"

echo "---- a named semaphore nobody posts: the hang names it"
run --watchdog=2 -- "$PROGS/misuse_sem" named-stuck
expect_kind hang
expect_no_log "coffman: deadlock"
expect_status 66
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s on L1 \(semaphore '/coffman-jobs-[0-9]+'\)$" "hang names /coffman-jobs-PID"

echo "---- a barrier for 3 reached by 2, a ticker running: the hang says 2 of 3"
run --watchdog=1 -- "$PROGS/misuse_sem" barrier-stuck
expect_kind hang
expect_no_log "coffman: deadlock"
expect_status 66
# The two workers and the ticker are T2-T4 in the order they first reach coffman, which load can change.
expect_log "coffman: hang: T[2-4] has been blocked for [0-9.]+ s on L1 \(barrier, 2 of 3 threads arrived\)$" "hang on the barrier, 2 of 3"
expect_log "L1 'meet_barrier': barrier at 0x[0-9a-f]+, initialised in run_barrier_stuck .*misuse_sem\.c:[0-9]+" "L1 is meet_barrier"
expect_log "barrier_worker .*misuse_sem\.c:$BWORKER \(misuse_sem\)" "worker at barrier_worker misuse_sem.c:$BWORKER"
finish
