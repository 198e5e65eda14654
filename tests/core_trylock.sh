#!/bin/sh
# Trylock and lock order.  A successful trylock makes no edge into the lock it took (a trylock cannot
# wait), so "a, trylock b" against "b, a" is no cycle.  But a blocking lock taken after the trylock
# still gets its edge from the lock below the trylocked one: "a, trylock b, c" against "c, a" is a cycle.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/trylock.c"
HOLD_A=$(line_of "$SRC" 'pthread_mutex_lock(&lock_a); /* chain: hold a */')
EDGE_AC=$(line_of "$SRC" 'pthread_mutex_lock(&lock_c); /* chain: edge a->c */')
HOLD_C=$(line_of "$SRC" 'pthread_mutex_lock(&lock_c); /* chain: hold c */')
EDGE_CA=$(line_of "$SRC" 'pthread_mutex_lock(&lock_a); /* chain: edge c->a */')

# One lock-order inversion, exit 66, the program's last line for MODE.
inversion_run() {
	run -- "$PROGS/trylock" "$1"
	expect_kind lock-order-inversion
	expect_count lock-order-inversion 1
	expect_status 66
	expect_out "^trylock $1: trylock returned 0\$"
}

# The report says LOCK had been acquired in FUNC at trylock.c:LINE.
acquired_at() {
	if grep -A1 -E "L[0-9] '$1' had been acquired at:" "$LOG" | grep -q -E "$2 .*trylock\.c:$3\b"; then
		pass "$1 had been acquired at $2 trylock.c:$3"
	else
		fail "$1's acquisition $2 trylock.c:$3 missing"; show
	fi
}

# ---- a, trylock b (succeeds) / b, a: no cycle
run -- "$PROGS/trylock" safe
expect_no_report
expect_status 0
expect_out '^trylock safe: trylock returned 0$'

# ---- a, trylock b, c / c, a: cycle a -> c -> a
inversion_run chain
expect_log "cycle: L[0-9] 'lock_[ac]' -> L[0-9] 'lock_[ac]' -> L[0-9] 'lock_[ac]'$" "cycle of lock_a and lock_c"
expect_log "'lock_a' -> L[0-9] 'lock_c'|'lock_c' -> L[0-9] 'lock_a'" "cycle line has both lock_a and lock_c"
expect_no_log "cycle: .*'lock_b'"
expect_log "locks L[0-9] 'lock_c' while holding L[0-9] 'lock_a':" "edge a->c (past the trylocked b)"
expect_no_log "while holding L[0-9] 'lock_b'"
expect_log "#0 0x[0-9a-f]+ a_trylock_b_lock_c .*trylock\.c:$EDGE_AC \(trylock\)" "edge a->c at a_trylock_b_lock_c trylock.c:$EDGE_AC"
expect_log "#0 0x[0-9a-f]+ c_then_a .*trylock\.c:$EDGE_CA \(trylock\)" "edge c->a at c_then_a trylock.c:$EDGE_CA"
acquired_at lock_a a_trylock_b_lock_c "$HOLD_A"
acquired_at lock_c c_then_a "$HOLD_C"

# A thread past its warm-up locks a, tries MIDDLE, locks c (FUNC, source markers TAG: hold a and
# edge a->c); then c, a: the cycle a->c->a, its edge a->c made past the trylocked MIDDLE.
chain_past_try() {
	local mode=$1 middle=$2 func=$3 tag=$4 hold edge
	hold=$(line_of "$SRC" "pthread_mutex_lock(&lock_a); /* $tag: hold a */")
	edge=$(line_of "$SRC" "pthread_mutex_lock(&lock_c); /* $tag: edge a->c */")
	inversion_run "$mode"
	expect_log "locks L[0-9] 'lock_c' while holding L[0-9] 'lock_a':" "edge a->c (past the trylocked $middle)"
	expect_no_log "while holding L[0-9] '$middle'"
	expect_log "#0 0x[0-9a-f]+ $func .*trylock\.c:$edge \(trylock\)" "edge a->c at $func trylock.c:$edge"
	expect_log "#0 0x[0-9a-f]+ c_then_a .*trylock\.c:$EDGE_CA \(trylock\)" "edge c->a at c_then_a trylock.c:$EDGE_CA"
	acquired_at lock_a "$func" "$hold"
}

# ---- the same from a thread past its warm-up: the trylock's fast path marks b as trylocked, and the
# lock of c past it makes the edge from a (had it pushed b as a plain hold, only b->c: no cycle)
chain_past_try chain_warm lock_b warm_a_trylock_b_lock_c warm

# ---- the same with an rwlock's try in the middle (pthread_rwlock_trywrlock's fast path)
chain_past_try rw_chain_warm rw_b warm_a_trywrlock_b_lock_c rw

# ---- the edges under a trylock known, the later acquisitions of c are only pushed (not the full
# path); the one that holds c when d comes still says where c was taken
RUN_C=$(line_of "$SRC" 'pthread_mutex_lock(&lock_c); /* run: hold c */')
RUN_CD=$(line_of "$SRC" 'pthread_mutex_lock(&lock_d); /* run: edge c->d */')
RUN_DC=$(line_of "$SRC" 'pthread_mutex_lock(&lock_c); /* run: edge d->c */')
inversion_run run_warm
expect_log "cycle: L[0-9] 'lock_[cd]' -> L[0-9] 'lock_[cd]' -> L[0-9] 'lock_[cd]'$" "cycle of lock_c and lock_d"
expect_log "locks L[0-9] 'lock_d' while holding L[0-9] 'lock_c':" "edge c->d"
expect_log "#0 0x[0-9a-f]+ warm_run_then_d .*trylock\.c:$RUN_CD \(trylock\)" "edge c->d at warm_run_then_d trylock.c:$RUN_CD"
expect_log "#0 0x[0-9a-f]+ d_then_c .*trylock\.c:$RUN_DC \(trylock\)" "edge d->c at d_then_c trylock.c:$RUN_DC"
acquired_at lock_c warm_run_then_d "$RUN_C"
finish
