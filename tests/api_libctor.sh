#!/bin/sh
# A library whose constructor runs before main starts a thread that waits on a condition variable
# (log4cplus's thread pool in every Kea daemon does), and takes two locks.  libcoffman.so is linked
# -z initfirst so that its own constructor runs before that library's: the worker and its wait are
# followed, main's later signal on that condition variable is no "use-after-destroy ... not an
# initialised condition variable" (Kea's kea-dhcp4 got one at every exit, from log4cplus's
# ThreadPool destructor), the constructor's lock order counts, and the COFFMAN_* settings are read
# though the program's libc has not run its constructor yet.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
LSRC="$top_srcdir/tests/progs/api_libctor_lib.c"
MSRC="$top_srcdir/tests/progs/api_libctor.c"
BIN="$WORK/api_libctor"
build_with_lib api_libctor
EDGE_AB=$(line_of "$LSRC" 'pthread_mutex_lock(&libctor_b); /* libctor: edge a->b in the constructor */')
EDGE_BA=$(line_of "$MSRC" 'pthread_mutex_lock(&libctor_a); /* api_libctor: edge b->a in main */')

# The worker waits from before main; main signals: nothing to report, the program's own status.
run -- "$BIN"
expect_no_report
expect_status 0
expect_out '^api_libctor: stopped$'

# With the contention profile (read from COFFMAN_PROFILE before libc's constructor ran): the worker's
# hold of the library's mutex is counted, by the worker's thread too.
run --profile="$WORK/prof" -- "$BIN"
expect_no_log 'coffman: use-after-destroy'
expect_log 'coffman: profile: ' "the profile table (COFFMAN_PROFILE read)"
if [ -s "$WORK/prof" ]; then pass "the pprof file written"; else fail "no pprof file"; fi
expect_status 0

# The constructor's order a->b, main's b->a: one inversion, its edge in the constructor shown.
run -- "$BIN" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_count use-after-destroy 0
expect_log "libctor_start .*api_libctor_lib\.c:$EDGE_AB" "the constructor's edge, api_libctor_lib.c:$EDGE_AB"
expect_log "main .*api_libctor\.c:$EDGE_BA" "main's edge, api_libctor.c:$EDGE_BA"
expect_status 66
finish
