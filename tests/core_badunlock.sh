#!/bin/sh
# Unlocking a mutex the thread does not hold: a bad-unlock report (held by another thread, naming the
# owner; or not locked), and the program continues.  An error-checking mutex unlocked by a non-owner
# still returns EPERM, as without the checker.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/badunlock.c"
OWNER_LOCK=$(line_of "$SRC" 'pthread_mutex_lock(m); /* owner: lock */')
NONOWNER=$(line_of "$SRC" 'int rc = pthread_mutex_unlock(&owned_lock); /* nonowner: unlock */')
UNLOCKED=$(line_of "$SRC" 'int rc = pthread_mutex_unlock(&never_locked); /* unlocked: unlock */')
ECUNLOCK=$(line_of "$SRC" 'int rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

# ---- unlock by a thread that is not the owner
run -- "$PROGS/badunlock" nonowner
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(mutex\) held by another thread, T2 \(tid [0-9]+\)$" "summary: held by another thread, T2"
expect_log "L1 'owned_lock': mutex at 0x[0-9a-f]+" "lock named owned_lock"
block_has "unlocked here" "#0 0x[0-9a-f]+ unlock_nonowner .*badunlock\.c:$NONOWNER \(badunlock\)"
block_has "the owner acquired it at" "owner_thread .*badunlock\.c:$OWNER_LOCK\b"
expect_log "T2 \(tid [0-9]+\) was created by T1 at:" "owner thread T2 described"
expect_out '^badunlock nonowner: unlock returned 0$'
expect_out '^badunlock nonowner: done$'

# ---- unlock of a mutex nobody holds
run -- "$PROGS/badunlock" unlocked
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(mutex\) that is not locked$" "summary: not locked"
expect_log "L1 'never_locked': mutex at 0x[0-9a-f]+" "lock named never_locked"
block_has "unlocked here" "#0 0x[0-9a-f]+ unlock_unlocked .*badunlock\.c:$UNLOCKED \(badunlock\)"
expect_out '^badunlock unlocked: done$'

# ---- error-checking mutex unlocked by a non-owner: reported, and EPERM as natively
run -- "$PROGS/badunlock" errorcheck
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(mutex\) held by another thread, T[0-9]+ \(tid [0-9]+\)$" "summary: held by another thread"
block_has "unlocked here" "#0 0x[0-9a-f]+ unlock_errorcheck .*badunlock\.c:$ECUNLOCK \(badunlock\)"
expect_out '^badunlock errorcheck: unlock returned EPERM$'
expect_out '^badunlock errorcheck: done$'
"$PROGS/badunlock" errorcheck > "$WORK/native.out" 2>&1
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi

# ---- all three in one run: three distinct defects, the program runs to its end
run -- "$PROGS/badunlock" all
expect_count bad-unlock 3
expect_status 66
expect_log "summary: lock-order-inversion 0, double-lock 0, bad-unlock 3," "summary counts 3"
"$PROGS/badunlock" all > "$WORK/native.out" 2>&1
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
finish
