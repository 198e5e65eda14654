#!/bin/bash
# C11 thrd_create/thrd_join: creation stacks and joins in the wait-for search, results passed through.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_c11join.c"

echo "# a clean C11 thread: result passed through, no report"
run -- "$PROGS/api_c11join" ok
expect_status 0
expect_no_report
expect_out '^res=7$'

echo "# main holds a mutex and thrd_joins a worker waiting for it"
run -- "$PROGS/api_c11join" deadlock
expect_kind deadlock
expect_status 66
expect_faster_than 5
# Either thread may be the one that finds the cycle, and its wait starts the chain.
expect_log "coffman: deadlock: 2 threads wait for each other: (T1 joins T2; T2 waits for L1 held by T1|T2 waits for L1 held by T1; T1 joins T2)\$" "cycle through the join"
expect_log "T1 \(tid [0-9]+\) waits in pthread_join of T2" "main in the join"
expect_log "#0 0x[0-9a-f]+ main .*api_c11join.c:$(line_of "$SRC" '/* main: join */')" "join site"
expect_log "#0 0x[0-9a-f]+ worker .*api_c11join.c:$(line_of "$SRC" '/* worker: waits */')" "worker's wait"
expect_log "T2 \(tid [0-9]+\) was created by T1 at:" "creation seen"
expect_log "#0 0x[0-9a-f]+ main .*api_c11join.c:$(line_of "$SRC" '/* main: create */')" "creation site"
finish
