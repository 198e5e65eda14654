#!/bin/sh
# Mutex types.  Recursive: nested holds are counted (3 locks, 2 unlocks: still held, another thread's
# trylock is EBUSY; the third unlock frees it for the other thread): no report.  Error-checking: the
# checker passes EDEADLK (re-lock) and EPERM (unlock by a non-owner, unlock when unlocked) through, as
# natively, and reports each.  Robust: the owner thread died holding it; the next locker gets
# EOWNERDEAD, makes it consistent, unlocks, locks again: no report, no warning (a robust mutex held at
# thread exit is no bug).
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_mtxtypes.c"
E1=$(line_of "$SRC" 'pthread_mutex_lock(&ec_lock); /* errorcheck: first lock */')
E2=$(line_of "$SRC" 'int rc = pthread_mutex_lock(&ec_lock); /* errorcheck: second lock */')
ENO=$(line_of "$SRC" 'int rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock by non-owner */')
EUN=$(line_of "$SRC" 'rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock when unlocked */')
RB=$(line_of "$SRC" 'pthread_mutex_lock(&robust_lock); /* robust: taken by a thread that dies */')

same_as_native() {
	"$PROGS/api_mtxtypes" "$1" > "$WORK/native.out" 2>&1
	if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
		fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
}

echo "---- recursive"
run -- "$PROGS/api_mtxtypes" recursive
expect_no_report
expect_status 0
expect_out '^api_mtxtypes: other thread trylock returned EBUSY$'
expect_out '^api_mtxtypes: other thread lock returned 0$'
expect_out '^api_mtxtypes: recursive done$'
same_as_native recursive

echo "---- error-checking"
run -- "$PROGS/api_mtxtypes" errorcheck
expect_status 66
expect_out '^api_mtxtypes: second lock returned EDEADLK$'
expect_out '^api_mtxtypes: unlock by a non-owner returned EPERM$'
expect_out "^api_mtxtypes: owner's unlock returned 0$"
expect_out '^api_mtxtypes: unlock of the unlocked mutex returned EPERM$'
expect_out '^api_mtxtypes: errorcheck done$'
same_as_native errorcheck
expect_kind double-lock
expect_count double-lock 1
expect_count bad-unlock 2
expect_log "error-checking mutex: the call returns EDEADLK" "note: EDEADLK"
expect_log "L1 'ec_lock': mutex at" "ec_lock named"
expect_log "coffman: bad-unlock: T2 unlocks L1 \(mutex\) held by another thread, T1 \(tid [0-9]+\)" "bad-unlock by the non-owner T2, owner T1"
expect_log "#0 0x[0-9a-f]+ ec_unlock_not_owner .*api_mtxtypes\.c:$ENO \(api_mtxtypes\)" "ec_unlock_not_owner api_mtxtypes.c:$ENO"
expect_log "coffman: bad-unlock: T1 unlocks L1 \(mutex\) that is not locked" "bad-unlock of the unlocked mutex"
expect_log "#0 0x[0-9a-f]+ run_errorcheck .*api_mtxtypes\.c:$EUN \(api_mtxtypes\)" "run_errorcheck api_mtxtypes.c:$EUN"
expect_log "#0 0x[0-9a-f]+ run_errorcheck .*api_mtxtypes\.c:$E2 \(api_mtxtypes\)" "re-lock at api_mtxtypes.c:$E2"
expect_log "#0 0x[0-9a-f]+ run_errorcheck .*api_mtxtypes\.c:$E1 \(api_mtxtypes\)" "first lock at api_mtxtypes.c:$E1"

echo "---- robust, owner died"
run -- "$PROGS/api_mtxtypes" robust
expect_no_report
expect_status 0
expect_out '^api_mtxtypes: lock after the owner died returned EOWNERDEAD$'
expect_out '^api_mtxtypes: consistent returned 0$'
expect_out '^api_mtxtypes: unlock returned 0$'
expect_out '^api_mtxtypes: lock again returned 0$'
expect_out '^api_mtxtypes: robust done$'
finish
