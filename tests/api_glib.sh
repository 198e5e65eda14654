#!/bin/sh
# GLib's GMutex (a futex word since GLib 2.54, which no pthread wrapper sees; shim/wrap_glib.c): a
# GMutex / G_LOCK inversion between two GThreads, reported with the lock names, kind GMutex, functions
# and file:line; a GMutex locked twice (double-lock, ended instead of hanging); a real deadlock of two
# GMutexes (found when it closes); a GCond wait holding another lock, then the reverse order; and a
# GThreadPool, GAsyncQueue and GCond hand-off with nothing to report and the native output; and a
# contended GMutex in the contention profile (its wait used to be missed: 0 contended, 0 ns; its
# holder, too); GRecMutexes named and classed by where the program made them or first used them.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
if [ ! -x "$PROGS/api_glib" ]; then
	echo "tests/progs/api_glib was not built (no libglib2.0-dev at configure time)"; exit 77
fi
SRC="$top_srcdir/tests/progs/api_glib.c"
CREATED=$(line_of "$SRC" 'g_mutex_init(&accounts_lock); /* accounts_lock created */')
HOLD_ACC=$(line_of "$SRC" 'g_mutex_lock(&accounts_lock); /* hold accounts_lock */')
EDGE_AA=$(line_of "$SRC" 'G_LOCK(audit); /* edge accounts->audit */')
HOLD_AUD=$(line_of "$SRC" 'G_LOCK(audit); /* hold audit */')
EDGE_AUD=$(line_of "$SRC" 'g_mutex_lock(&accounts_lock); /* edge audit->accounts */')
D1=$(line_of "$SRC" 'g_mutex_lock(m); /* double: first */')
D2=$(line_of "$SRC" 'g_mutex_lock(m); /* double: second */')
DL=$(line_of "$SRC" 'g_mutex_lock(second); /* deadlock: waits here */')
Q1=$(line_of "$SRC" 'g_mutex_lock(&queue_lock); /* condorder: queue_lock first */')
Q2=$(line_of "$SRC" 'g_mutex_lock(&stats_lock); /* condorder: then stats_lock */')

echo "---- GMutex / G_LOCK inversion between two GThreads"
run -- "$PROGS/api_glib" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_out '^api_glib: inversion done$'
expect_log "cycle: L[0-9] '(accounts_lock|g__audit_lock)' -> L[0-9] '(accounts_lock|g__audit_lock)' -> L[0-9]" "cycle names accounts_lock and the G_LOCK"
expect_log "L[0-9] 'accounts_lock': GMutex at 0x[0-9a-f]+, initialised in inversion .*api_glib\.c:$CREATED" "kind GMutex and g_mutex_init's site"
expect_log "L[0-9] 'g__audit_lock': GMutex at 0x" "a G_LOCK is a GMutex"
expect_log "T[0-9]+ \(tid [0-9]+, \"transfer\"\) locks L[0-9] 'g__audit_lock' while holding L[0-9] 'accounts_lock':" "edge accounts -> audit, by the GThread's name"
expect_log "#0 0x[0-9a-f]+ accounts_then_audit .*api_glib\.c:$EDGE_AA \(api_glib\)" "accounts_then_audit api_glib.c:$EDGE_AA"
expect_log "#0 0x[0-9a-f]+ accounts_then_audit .*api_glib\.c:$HOLD_ACC \(api_glib\)" "accounts_lock held since api_glib.c:$HOLD_ACC"
expect_log "#0 0x[0-9a-f]+ audit_then_accounts .*api_glib\.c:$EDGE_AUD \(api_glib\)" "audit_then_accounts api_glib.c:$EDGE_AUD"
expect_log "#0 0x[0-9a-f]+ audit_then_accounts .*api_glib\.c:$HOLD_AUD \(api_glib\)" "audit held since api_glib.c:$HOLD_AUD"

echo "---- a GMutex locked twice"
run -- "$PROGS/api_glib" double
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(GMutex\) that it already holds" "summary"
expect_log "#0 0x[0-9a-f]+ lock_twice .*api_glib\.c:$D2 \(api_glib\)" "acquired again at api_glib.c:$D2"
expect_log "#0 0x[0-9a-f]+ lock_twice .*api_glib\.c:$D1 \(api_glib\)" "held since api_glib.c:$D1"
expect_out '^api_glib: locking again$'
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the double lock"; fi

echo "---- a real GMutex deadlock"
run -- "$PROGS/api_glib" deadlock
# the inversion is seen first, when the second thread asks for its second lock; then the deadlock
expect_kind lock-order-inversion
expect_count deadlock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: deadlock: 2 threads wait for each other" "summary"
expect_log "T[0-9]+ \(tid [0-9]+, \"left\"\) waits for L[0-9] 'right_lock' \(GMutex\) for [0-9.]+ s, holding L[0-9] 'left_lock'" "left waits for right_lock"
expect_log "T[0-9]+ \(tid [0-9]+, \"right\"\) waits for L[0-9] 'left_lock' \(GMutex\) for [0-9.]+ s, holding L[0-9] 'right_lock'" "right waits for left_lock"
expect_log "#0 0x[0-9a-f]+ hold_then_take .*api_glib\.c:$DL \(api_glib\)" "blocked at api_glib.c:$DL"
if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "the process ended at the deadlock"; fi

echo "---- a GCond wait holding another lock, then the reverse order"
run -- "$PROGS/api_glib" condorder
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_out '^api_glib: condorder done$'
expect_log "T1 \(tid [0-9]+\) locks L[0-9] 'stats_lock' while holding L[0-9] 'queue_lock':" "main's edge queue_lock -> stats_lock"
expect_log "#0 0x[0-9a-f]+ condorder .*api_glib\.c:$Q2 \(api_glib\)" "condorder api_glib.c:$Q2"
expect_log "#0 0x[0-9a-f]+ condorder .*api_glib\.c:$Q1 \(api_glib\)" "queue_lock held since api_glib.c:$Q1"
expect_no_log "coffman: (bad-unlock|double-lock):"

echo "---- a contended GMutex, profiled"
run --profile="$WORK/prof.pb" -- "$PROGS/api_glib" contend
expect_status 0
expect_out '^api_glib: contend done$'
expect_log "coffman: profile: 1 lock, 2 acquisitions, 1 contended, [0-9.]+ms waited in all" "the profile counts the contended acquisition"
expect_log "^(==[0-9]+== )? +1 +2 +1 +(9[0-9]|[1-9][0-9][0-9])(\.[0-9]+)?ms .* hot_lock \(0x[0-9a-f]+, GMutex\), created at a static initializer" \
	"hot_lock: 2 acquired, 1 contended, about 100 ms waited"
if grep -q -E '(^|;)main;contend;\[lock hot_lock\] [0-9]+$' "$WORK/prof.pb.folded" 2>/dev/null; then
	pass "the folded stacks have the waiter, main -> contend"
else
	fail "no waiter stack for hot_lock in the folded stacks"; cat "$WORK/prof.pb.folded" >&2
fi
# The holder's side: the wait blamed on the critical section that made it (hold_hot), as for a
# pthread mutex (tests/profile_holders.sh); a GMutex's release used to look for no waiter.
if command -v go >/dev/null 2>&1; then
	GOCACHE="$WORK/gocache" HOME="$WORK" go tool pprof -traces -sample_index=holder_delay "$WORK/prof.pb" \
		> "$WORK/traces" 2>&1
	if grep -A1 -E "lock: +hot_lock\$" "$WORK/traces" | grep -qE "^ +[0-9.]+m?s +hold_hot\$"; then
		pass "holder_delay of hot_lock in hold_hot"
	else
		fail "holder_delay of hot_lock not in hold_hot"; cat "$WORK/traces" >&2
	fi
else
	echo "SKIP (holder_delay): go (golang-go) is not installed"
fi
expect_no_log "coffman: (lock-order-inversion|double-lock|bad-unlock|starvation)"

# GLib makes every GRecMutex's pthread mutex in one function of its own, from g_rec_mutex_init or, for
# a static one, from g_rec_mutex_lock at its first use: all were "initialised in ?? (libglib+0x...),
# called from g_rec_mutex_lock" (or g_rec_mutex_init), one class, and --classes=site and the graph
# files found 3 false cycles here.
REC_FIRST=$(line_of "$SRC" 'g_rec_mutex_lock(&static_rec); /* recclasses: static_rec first used */')
REC_AFTER=$(line_of "$SRC" 'g_rec_mutex_lock(&static_rec); /* recclasses: static_rec after made_rec */')
REC_MADE=$(line_of "$SRC" 'g_rec_mutex_init(rec); /* recclasses: made_rec initialised */')
for classes in "" --classes=site; do
	echo "---- GRecMutexes, static and initialised: their classes ${classes:-(by lock)}"
	run $classes -- "$PROGS/api_glib" recclasses
	expect_kind lock-order-inversion
	expect_count lock-order-inversion 1
	expect_status 66
	expect_out '^api_glib: recclasses done$'
	expect_log "L[0-9]: mutex at 0x[0-9a-f]+, first used in recclasses .*api_glib\.c:$REC_FIRST$" \
		"static_rec: first used in recclasses:$REC_FIRST"
	expect_log "L[0-9]: (mutex at 0x[0-9a-f]+,|the class of locks) initialised in g_rec_mutex_init[+0-9a-fx]* \(libglib[^)]*\), called from init_made .*api_glib\.c:$REC_MADE( \(instances seen: 0x[0-9a-f]+\))?$" \
		"made_rec: initialised in g_rec_mutex_init, called from init_made:$REC_MADE"
	expect_log "#0 0x[0-9a-f]+ recclasses .*api_glib\.c:$REC_AFTER \(api_glib\)" "the edge made_rec -> static_rec at recclasses:$REC_AFTER"
done
run --graph-dir="$WORK/recgraphs" -- "$PROGS/api_glib" recclasses
expect_count lock-order-inversion 1
"$top_builddir/coffman-graph" cycles "$WORK/recgraphs" > "$WORK/reccycles.txt"
n=$(grep -c '^coffman: lock-order-inversion: .*cycle of' "$WORK/reccycles.txt")
[ "$n" = 1 ] && pass "graph files: the one cycle, static_rec and made_rec" ||
	{ fail "graph files: $n cycles, expected 1"; cat "$WORK/reccycles.txt" >&2; }

# Static GRWLocks first taken from a program without debug info: no frame with a source file on the
# stack, so each was named, and in graph files classed, by GLib's own g_rw_lock_writer_lock+0x34, the
# same for all: a -> middle -> b was a class cycle.  Named by the frame above GLib's function now.
echo "---- static GRWLocks first used without debug info: graph classes by the caller"
if ${CC:-cc} -g0 -O1 -o "$WORK/glib_rwfirst" "$top_srcdir/tests/progs/glib_rwfirst.c" \
	$(pkg-config --cflags --libs glib-2.0) 2> "$WORK/cc.err"; then
	run --graph-dir="$WORK/rwgraphs" -- "$WORK/glib_rwfirst"
	expect_no_report
	expect_status 0
	"$top_builddir/coffman-graph" cycles "$WORK/rwgraphs" > "$WORK/rwcycles.txt"
	n=$(grep -c '^coffman: lock-order-inversion' "$WORK/rwcycles.txt")
	[ "$n" = 0 ] && pass "graph files: no class cycle" || { fail "graph files: $n cycles"; cat "$WORK/rwcycles.txt" >&2; }
	set -- "$WORK"/rwgraphs/*.graph.jsonl
	for f in a_then_middle middle_then_b; do
		if grep '"type":"class"' "$1" | grep -q "\"key\":\"site glib_rwfirst@[0-9a-f]*:$f+0x"; then
			pass "a class named by $f"; else fail "no class named by $f"; grep '"type":"class"' "$1" >&2; fi
	done
	# The contention profile's table names them as the reports do: each rwlock by the function above
	# GLib's g_rw_lock_writer_lock (both rows read "first used in g_rw_lock_writer_lock+0x34" before:
	# two of wireplumber's GRWLocks, helper-47).
	run --profile="$WORK/rwprof.pb" -- "$WORK/glib_rwfirst"
	expect_status 0         # no report (the log holds the profile's table)
	for f in a_then_middle middle_then_b; do
		expect_log "rwlock: 0 read, 1 write\), created at a static initializer, first used in $f\+0x[0-9a-f]+ \(glib_rwfirst\+0x" "profile row: the rwlock first used in $f"
	done
	if grep -q "first used in g_rw_lock" "$LOG"; then fail "a profile row named by GLib's g_rw_lock_*"; grep "first used in" "$LOG" >&2; else pass "no profile row named by GLib's function"; fi
	# With debug info, by the program's file and line, as the reports say.
	if ${CC:-cc} -g -O1 -o "$WORK/glib_rwfirst_g" "$top_srcdir/tests/progs/glib_rwfirst.c" \
		$(pkg-config --cflags --libs glib-2.0) 2> "$WORK/cc.err"; then
		run --profile="$WORK/rwprof_g.pb" -- "$WORK/glib_rwfirst_g"
		expect_status 0
		expect_log "rwlock: 0 read, 1 write\), created at a static initializer, first used in a_then_middle .*glib_rwfirst\.c:[0-9]+" "profile row with debug info: a_then_middle file:line"
		expect_log "rwlock: 0 read, 1 write\), created at a static initializer, first used in middle_then_b .*glib_rwfirst\.c:[0-9]+" "profile row with debug info: middle_then_b file:line"
	fi
else
	fail "cannot build glib_rwfirst"; cat "$WORK/cc.err" >&2
fi

echo "---- GThreadPool, GAsyncQueue, GCond hand-off: clean"
"$PROGS/api_glib" clean > "$WORK/native.out" 2>&1
run -- "$PROGS/api_glib" clean
expect_no_report
expect_status 0
expect_out '^api_glib: clean counted=1000 sum=500500 handoffs=400$'
cmp -s "$WORK/native.out" "$OUT" && pass "output as native" || fail "output differs from native"
finish
