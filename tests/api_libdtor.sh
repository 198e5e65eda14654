#!/bin/sh
# The end of exit(): the libraries' destructors run, and are checked, before coffman's summary and
# exit status.  coffman's end-of-process work used to be libcoffman.so's destructor, which glibc runs
# after the program's destructors but before those of the libraries the program needs: after a report
# its _exit(66) skipped them (a library's file never written, its last output lost), and a report made
# in one of them came after the summary and left the exit status 0.  It now runs from an exit handler
# registered with no object of its own, which exit() calls after every destructor.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
LSRC="$top_srcdir/tests/progs/api_libdtor_lib.c"
MSRC="$top_srcdir/tests/progs/api_libdtor.c"
BIN="$WORK/api_libdtor"
build_with_lib api_libdtor
LIBDTOR_FILE="$WORK/dtor.txt"; export LIBDTOR_FILE
EDGE_BA=$(line_of "$LSRC" 'pthread_mutex_lock(&libdtor_a); /* libdtor: edge b->a in the destructor */')

echo "---- a report in main: the library's destructor still runs, then the 66"
rm -f "$LIBDTOR_FILE"
run -- "$BIN" main
expect_status 66
expect_out '^api_libdtor: main returns$'
expect_out '^libdtor: the library.s destructor ran$'
if [ -s "$LIBDTOR_FILE" ]; then pass "the library's destructor wrote its file"; else fail "the library's destructor never ran: no file"; fi
expect_count lock-order-inversion 2
# the summary comes last, after the report the destructor made
if tail -n 1 "$LOG" | grep -qE "coffman: summary: lock-order-inversion 2,"; then pass "the summary last, counting both"; else
	fail "the summary is not last or miscounts:"; tail -n 3 "$LOG" >&2; fi

echo "---- the only report made in the library's destructor: it counts"
rm -f "$LIBDTOR_FILE"
run -- "$BIN" dtor
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_log "libdtor_fini .*api_libdtor_lib\.c:$EDGE_BA" "the destructor's edge, api_libdtor_lib.c:$EDGE_BA"
expect_status 66
expect_out '^libdtor: the library.s destructor ran$'
if tail -n 1 "$LOG" | grep -qE "coffman: summary: lock-order-inversion 1,"; then pass "the summary after the destructor's report"; else
	fail "no summary after the destructor's report:"; tail -n 3 "$LOG" >&2; fi
finish
