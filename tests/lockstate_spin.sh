#!/bin/sh
# Spinlocks: coffman's idea of "locked" must be the lock word's.  glibc's x86 spinlock is 1 when free and
# 0 when taken (its generic code: 0 free), so reading "nonzero = locked" inverted every check: destroying
# a free spinlock was a destroy-locked, destroying a held one was not, and an unlock of a free one was
# "not held" instead of "not locked".  Also: an unlock by another thread frees a spinlock, so the
# owner's next lock is not a double-lock.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
SRC="$top_srcdir/tests/progs/lockstate_spin.c"
INIT=$(line_of "$SRC" 'pthread_spin_init(&spin_state, PTHREAD_PROCESS_PRIVATE); /* init spin_state */')
D_MAIN=$(line_of "$SRC" 'pthread_spin_destroy(&spin_state); /* destroy: held by main */')
L_MAIN=$(line_of "$SRC" 'pthread_spin_lock(&spin_state); /* main: lock before destroy */')
D_OTHER=$(line_of "$SRC" 'pthread_spin_destroy(&spin_state); /* destroy: held by the worker */')
UNL=$(line_of "$SRC" 'pthread_spin_unlock(&spin_state); /* unlock: not locked */')
FOREIGN=$(line_of "$SRC" 'pthread_spin_unlock(&spin_state); /* main: unlock the worker'"'"'s spinlock */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

echo "---- destroy a free spinlock: nothing to report"
run -- "$PROGS/lockstate_spin" destroy_unlocked
expect_no_report
expect_status 0
expect_out '^lockstate_spin: destroy_unlocked done$'

echo "---- destroy a spinlock this thread holds"
run -- "$PROGS/lockstate_spin" destroy_locked
expect_kind destroy-locked
expect_count destroy-locked 1
expect_status 66
expect_log "coffman: destroy-locked: T1 destroys L1 \(spinlock\) while it is locked by this thread$" "summary: locked by this thread"
expect_log "L1 'spin_state': spinlock at 0x[0-9a-f]+, initialised in main .*lockstate_spin\.c:$INIT$" "spin_state named, init site"
block_has "destroyed here" "#0 0x[0-9a-f]+ main .*lockstate_spin\.c:$D_MAIN \(lockstate_spin\)"
block_has "locked since" "#0 0x[0-9a-f]+ main .*lockstate_spin\.c:$L_MAIN \(lockstate_spin\)"
expect_out '^lockstate_spin: destroy_locked done$'

echo "---- destroy a spinlock another thread holds"
run -- "$PROGS/lockstate_spin" destroy_other
expect_kind destroy-locked
expect_count destroy-locked 1
expect_status 66
expect_log "coffman: destroy-locked: T1 destroys L1 \(spinlock\) while it is locked$" "summary: locked (by another thread)"
block_has "destroyed here" "#0 0x[0-9a-f]+ with_worker .*lockstate_spin\.c:$D_OTHER \(lockstate_spin\)"
expect_out '^lockstate_spin: destroy_other done$'

echo "---- unlock a free spinlock"
run -- "$PROGS/lockstate_spin" unlock_unlocked
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(spinlock\) that is not locked$" "summary: not locked"
block_has "unlocked here" "#0 0x[0-9a-f]+ main .*lockstate_spin\.c:$UNL \(lockstate_spin\)"
expect_out '^lockstate_spin: unlock_unlocked done$'

echo "---- unlock by another thread frees it: the owner's next lock is no double-lock"
run -- "$PROGS/lockstate_spin" foreign_unlock
expect_kind bad-unlock
expect_count bad-unlock 1
expect_count double-lock 0
expect_status 66
expect_log "coffman: bad-unlock: T1 unlocks L1 \(spinlock\) held by another thread, T2 \(tid [0-9]+\)$" "summary: held by T2"
block_has "unlocked here" "#0 0x[0-9a-f]+ with_worker .*lockstate_spin\.c:$FOREIGN \(lockstate_spin\)"
expect_no_log "exits holding" 
expect_out '^lockstate_spin: worker locked it again$'
expect_out '^lockstate_spin: foreign_unlock done$'
finish
