#!/bin/sh
# Cycles of 3 and 4 locks across threads (each thread joined before the next starts): one report per
# distinct cycle, and the same cycle made again and again is still one report.  The 4-lock ring uses
# heap mutexes from pthread_mutex_init: the report shows where they were initialised.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/cycles.c"
OUTER=$(line_of "$SRC" 'pthread_mutex_lock(outer); /* nest: outer */')
INNER=$(line_of "$SRC" 'pthread_mutex_lock(inner); /* nest: inner */')
XY=$(line_of "$SRC" 'x_then_y(void *arg) {')
YZ=$(line_of "$SRC" 'y_then_z(void *arg) {')
ZX=$(line_of "$SRC" 'z_then_x(void *arg) {')
RING_HOLD=$(line_of "$SRC" 'pthread_mutex_lock(ring[i]); /* ring: hold */')
RING_NEXT=$(line_of "$SRC" 'pthread_mutex_lock(ring[(i + 1) % 4]); /* ring: next */')
RING_INIT=$(line_of "$SRC" 'pthread_mutex_init(ring[i], NULL); /* ring: init */')

# expect_reports N: exactly N reports of any kind
expect_reports() {
	n=$(grep -E -c '^(==[0-9]+== )?coffman: (lock-order-inversion|double-lock|bad-unlock|destroy-locked|deadlock|hang)\b' "$LOG")
	if [ "$n" -eq "$1" ]; then pass "$1 report(s) in all"; else fail "$n reports in all, expected $1"; show; fi
}

# ---- a cycle of three static locks
run -- "$PROGS/cycles" three
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_reports 1
expect_status 66
expect_out '^cycles three: work=3$'
expect_log "lock-order-inversion: potential deadlock: cycle of 3 locks in 3 threads" "3 locks in 3 threads"
expect_log "cycle: L[0-9] 'lock_[xyz]' -> L[0-9] 'lock_[xyz]' -> L[0-9] 'lock_[xyz]' -> L[0-9] 'lock_[xyz]'$" "cycle line of 3 named locks"
for pair in "x y" "y z" "z x"; do
	set -- $pair
	expect_log "locks L[0-9] 'lock_$2' while holding L[0-9] 'lock_$1':" "edge lock_$1 -> lock_$2"
done
# each edge: made in nest() (inner lock), called from the thread function
expect_log "#0 0x[0-9a-f]+ nest .*cycles\.c:$INNER \(cycles\)" "edges acquired in nest cycles.c:$INNER"
expect_log "#1 0x[0-9a-f]+ x_then_y .*cycles\.c:$XY \(cycles\)" "caller x_then_y cycles.c:$XY"
expect_log "#1 0x[0-9a-f]+ y_then_z .*cycles\.c:$YZ \(cycles\)" "caller y_then_z cycles.c:$YZ"
expect_log "#1 0x[0-9a-f]+ z_then_x .*cycles\.c:$ZX \(cycles\)" "caller z_then_x cycles.c:$ZX"
if grep -A1 -E "had been acquired at:" "$LOG" | grep -q -E "nest .*cycles\.c:$OUTER\b"; then
	pass "held locks had been acquired in nest cycles.c:$OUTER"
else
	fail "held-lock site nest cycles.c:$OUTER missing"; show
fi
n=$(grep -c -E "edge [0-9]+: T[0-9]+ " "$LOG")
if [ "$n" -eq 3 ]; then pass "3 edges"; else fail "$n edges, expected 3"; show; fi

# ---- a cycle of four heap mutexes initialised with pthread_mutex_init
run -- "$PROGS/cycles" four
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_reports 1
expect_status 66
expect_log "lock-order-inversion: potential deadlock: cycle of 4 locks in 4 threads" "4 locks in 4 threads"
expect_log "cycle: L[0-9]+ -> L[0-9]+ -> L[0-9]+ -> L[0-9]+ -> L[0-9]+$" "cycle line of 4 locks"
n=$(grep -c -E "L[1-4]: mutex at 0x[0-9a-f]+, initialised in init_ring .*cycles\.c:$RING_INIT$" "$LOG")
if [ "$n" -eq 4 ]; then pass "4 heap locks initialised in init_ring cycles.c:$RING_INIT"; else
	fail "$n locks show 'initialised in init_ring cycles.c:$RING_INIT', expected 4"; show; fi
n=$(grep -c -E "#0 0x[0-9a-f]+ ring_step .*cycles\.c:$RING_NEXT \(cycles\)" "$LOG")
if [ "$n" -eq 4 ]; then pass "4 edges acquired in ring_step cycles.c:$RING_NEXT"; else
	fail "$n edges acquired at ring_step cycles.c:$RING_NEXT, expected 4"; show; fi
n=$(grep -A1 -E "had been acquired at:" "$LOG" | grep -c -E "ring_step .*cycles\.c:$RING_HOLD\b")
if [ "$n" -eq 4 ]; then pass "4 held locks acquired at ring_step cycles.c:$RING_HOLD"; else
	fail "$n held-lock sites at ring_step cycles.c:$RING_HOLD, expected 4"; show; fi

# ---- both cycles in one run: two distinct defects, two reports
run -- "$PROGS/cycles" both
expect_count lock-order-inversion 2
expect_reports 2
expect_status 66
expect_log "cycle of 3 locks" "the 3-lock cycle"
expect_log "cycle of 4 locks" "the 4-lock cycle"
expect_log "summary: lock-order-inversion 2," "summary counts 2"

# ---- the same 3-lock cycle made 50 times over: still one report
run -- "$PROGS/cycles" repeat 50
expect_count lock-order-inversion 1
expect_reports 1
expect_status 66
expect_out '^cycles repeat: work=150$'
expect_faster_than 5
finish
