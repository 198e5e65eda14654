#!/bin/sh
# The lock-site table growing while new edges are made (tests/progs/site_growth.c): 60,000 locks that
# get their site records at first use, inside the edge that first takes them.  Both cycles are
# reported, the short one naming its two locks by symbol and offset, where they were first used and the
# acquisition stacks; nothing else is reported and the program ends normally.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/site_growth.c"
INNER=$(line_of "$SRC" 'pthread_mutex_lock(&m[inner]);   /* site_growth: inner */')
RUN_TIMEOUT=120 run -- "$PROGS/site_growth"
expect_status 66
expect_out '^site_growth: done$'
expect_count lock-order-inversion 2
expect_log 'coffman: lock-order-inversion: potential deadlock: cycle of 60000 locks' "the whole chain closed: one cycle"
# m[30000] and m[30001]: 40-byte mutexes, 1200000 and 1200040 bytes into the array.
expect_log "cycle: L1 'm\+1200000' -> L2 'm\+1200040' -> L1 'm\+1200000'" "the cycle of two names m[30000] and m[30001]"
expect_log "L2 'm\+1200040': mutex at 0x[0-9a-f]+, first used in pair .*site_growth\.c:$INNER" "where m[30001] was first used"
expect_log "#0 0x[0-9a-f]+ pair .*site_growth\.c:$INNER" "the acquisition's frame"
finish
