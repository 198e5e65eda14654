#!/bin/sh
# pthread_once left by an exception (C++ std::call_once whose callable throws): the retry is not a
# double-lock, and the once control made no lock-order edge after the exception.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
run -- "$PROGS/lockstate_once"
expect_no_report
expect_status 0
expect_out "^lockstate_once: caught 'first attempt fails'$"
expect_out '^lockstate_once: attempts=2$'
finish
