#!/bin/bash
# Precision of lock-order reports: gate locks, labels, the shortest cycle, lock classes, line prefix.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/precision.c"
NEST=$(line_of "$SRC" '/* nest: inner */')

echo "# a cycle made entirely under one gate lock cannot deadlock: not reported"
run -- "$PROGS/precision" gated
expect_status 0
expect_no_report
expect_out '^done$'

echo "# --show-gated shows it, labelled with the gate"
run --show-gated -- "$PROGS/precision" gated
expect_kind lock-order-inversion
expect_log "gated: every edge was made while holding the lock at 0x[0-9a-f]+" "labelled gated"
expect_log "gated: .*\('gate_lock'\)" "names the gate lock"

echo "# the same without the gate, threads running at the same time: reported, no label"
run -- "$PROGS/precision" ungated
expect_kind lock-order-inversion
expect_status 66
expect_no_log "never ran at the same time" 
expect_no_log "one thread"
expect_log "nest .*precision.c:$NEST" "edge at the inner lock"

echo "# gated first, then A,B without the gate: the cycle is no longer safe, and is reported then"
LATE=$(line_of "$SRC" '/* late: a then b */')
run -- "$PROGS/precision" gated_later
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_no_log "gated:"
expect_log "locks L[0-9] 'lock_b' while holding L[0-9] 'lock_a':" "edge a->b"
expect_log "#0 0x[0-9a-f]+ late_a_then_b .*precision\.c:$LATE " "edge a->b where it was made without the gate: late_a_then_b precision.c:$LATE"
expect_log "locks L[0-9] 'lock_a' while holding L[0-9] 'lock_b':" "edge b->a"
expect_log "#0 0x[0-9a-f]+ nest .*precision\.c:$NEST " "edge b->a at nest precision.c:$NEST"

echo "# with --show-gated: the gated report first, then the unsafe one (not dropped as a duplicate)"
run --show-gated -- "$PROGS/precision" gated_later
expect_count lock-order-inversion 2
expect_status 66
expect_log "gated: .*\('gate_lock'\)" "the gated report"
expect_log "#0 0x[0-9a-f]+ late_a_then_b .*precision\.c:$LATE " "the unsafe edge at late_a_then_b precision.c:$LATE"

echo "# gated first, then A,B under another outer lock: no lock common to every edge, reported"
run -- "$PROGS/precision" two_gates
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_no_log "gated:"
expect_log "#0 0x[0-9a-f]+ late_a_then_b .*precision\.c:$LATE " "edge a->b at late_a_then_b precision.c:$LATE"

echo "# every edge from one thread: labelled"
run -- "$PROGS/precision" single
expect_kind lock-order-inversion
expect_log "both edges come from one thread, T1, so this run could not deadlock on them; it can deadlock when these 2 code paths run in different threads at the same time"

echo "# the examples' printsum ran its threads one after the other: labelled"
run -- "$top_builddir/examples/printsum"
expect_kind lock-order-inversion
expect_log "these 2 threads \(T2 and T3\) never ran at the same time in this run"

echo "# the shortest cycle the new edge closes (a->d->a, not a->b->c->d->a)"
run -- "$PROGS/precision" shortest
expect_count lock-order-inversion 1
expect_log "coffman: lock-order-inversion: potential deadlock: cycle of 2 locks in 1 thread" "2-lock cycle"
expect_log "cycle: L[0-9] 'lock_[ad]' -> L[0-9] 'lock_[ad]' -> L[0-9] 'lock_[ad]'$" "cycle through a and d only"
expect_no_log "cycle: .*lock_b"

echo "# lock classes: instances of two kinds of object taken in opposite orders"
run -- "$PROGS/precision" classes
expect_no_report
run --classes=site -- "$PROGS/precision" classes
expect_kind lock-order-inversion
ACC=$(line_of "$SRC" '/* class: account */')
LED=$(line_of "$SRC" '/* class: ledger */')
expect_log "the class of locks initialised in account_new .*precision.c:$ACC \(instances seen: 0x[0-9a-f]+, 0x[0-9a-f]+\)" "account class with both instances"
expect_log "the class of locks initialised in ledger_new .*precision.c:$LED \(instances seen: 0x[0-9a-f]+, 0x[0-9a-f]+\)" "ledger class with both instances"
expect_log "post .*precision.c:$(line_of "$SRC" '/* post: ledger */')" "post edge"
expect_log "audit .*precision.c:$(line_of "$SRC" '/* audit: account */')" "audit edge"

echo "# every text line of a report carries the ==PID== prefix"
run -- "$PROGS/precision" single
if grep -v -E '^==[0-9]+== ' "$LOG" | grep -q .; then fail "a line without the ==PID== prefix"; show; else pass "all lines prefixed"; fi
finish
