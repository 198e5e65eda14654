#!/bin/sh
# Misuse of annotated locks (tests/progs/annotate_locks.c, a ticket spinlock on C11 atomics) is
# reported like misuse of a mutex: a double lock is reported before the thread spins on itself forever
# and ends the process with the exit code; a lock created recursive nests; releasing a lock another
# thread holds is a bad-unlock naming the holder; a successful try-lock makes no lock-order edge;
# destroying a held lock is destroy-locked; a read hold of a reader-writer lock nests, a write request
# under it is an upgrade (double-lock).
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/annotate_locks.c"
ACQUIRING=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRING(l, 0);')
ACQUIRED=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRED(l, 0);')
RELEASING=$(line_of "$SRC" 'COFFMAN_LOCK_RELEASING(l, 0);')
SECOND=$(line_of "$SRC" 'ticket_lock(&queue_lock); /* doublelock: second lock */')
BAD=$(line_of "$SRC" 'ticket_unlock(&queue_lock); /* bad unlock: main holds it */')
OWNER=$(line_of "$SRC" 'ticket_lock(&queue_lock); /* badunlock: main takes it */')
DESTROY=$(line_of "$SRC" 'ticket_destroy(&stats_lock); /* destroy: still locked */')

# block_has HEADER REGEX: the frame lines right under "  HEADER:" match REGEX
block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

# ---- double lock: reported at ACQUIRING, before the spin; the process ends with 66
run -- "$PROGS/annotate_locks" doublelock
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_faster_than 5
expect_log "coffman: double-lock: T1 acquires L1 \(ticket spinlock\) that it already holds: it would wait for itself forever" "summary line names the kind"
expect_log "L1 'queue_lock': ticket spinlock at 0x[0-9a-f]+" "lock named queue_lock"
block_has "acquired again here" "#0 0x[0-9a-f]+ ticket_lock .*annotate_locks\.c:$ACQUIRING \(annotate_locks\)"
block_has "acquired again here" "#1 0x[0-9a-f]+ main .*annotate_locks\.c:$SECOND \(annotate_locks\)"
block_has "already held since" "#0 0x[0-9a-f]+ ticket_lock .*annotate_locks\.c:$ACQUIRED \(annotate_locks\)"
expect_out '^doublelock: locking again$'
if grep -q 'doublelock: done' "$OUT"; then fail "the program went on past the self-deadlock"; else pass "ended at the double lock"; fi

# ---- created recursive: a nested hold is fine
run -- "$PROGS/annotate_locks" recursive
expect_no_report
expect_status 0
expect_out '^recursive: done$'

# ---- release by a thread that does not hold it
run -- "$PROGS/annotate_locks" badunlock
expect_kind bad-unlock
expect_count bad-unlock 1
expect_status 66
expect_log "coffman: bad-unlock: T2 unlocks L1 \(ticket spinlock\) held by another thread, T1 \(tid [0-9]+\)" "names the holder"
block_has "unlocked here" "#0 0x[0-9a-f]+ ticket_unlock .*annotate_locks\.c:$RELEASING \(annotate_locks\)"
block_has "unlocked here" "#1 0x[0-9a-f]+ release_other .*annotate_locks\.c:$BAD \(annotate_locks\)"
block_has "the owner acquired it at" "main .*annotate_locks\.c:$OWNER \(annotate_locks\)"
expect_out '^badunlock: done$'

# ---- a try-lock while holding another lock orders nothing
run -- "$PROGS/annotate_locks" trylock
expect_no_report
expect_status 0
expect_out '^trylock: done$'

# ---- destroy while locked
run -- "$PROGS/annotate_locks" destroy
expect_kind destroy-locked
expect_status 66
expect_log "coffman: destroy-locked: T1 destroys L1 \(ticket spinlock\) while it is locked by this thread" "destroy-locked summary"
block_has "destroyed here" "main .*annotate_locks\.c:$DESTROY \(annotate_locks\)"

# ---- a reader-writer lock: a second read hold nests, a write request while reading is a double lock
UPGRADE=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRING(&rwlock, 0); /* upgrade: write while reading */')
run -- "$PROGS/annotate_locks" upgrade
expect_kind double-lock
expect_count double-lock 1
expect_status 66
expect_log "coffman: double-lock: T1 acquires L1 \(own rwlock\) that it already holds: it would wait for itself forever" "upgrade summary"
expect_log "read-to-write upgrade: the write hold waits for this thread's own read hold" "upgrade note"
block_has "acquired again here" "#0 0x[0-9a-f]+ main .*annotate_locks\.c:$UPGRADE \(annotate_locks\)"
expect_out '^upgrade: read twice, now writing$'

# ---- without coffman the misuse scenarios that do not hang run to their end
for mode in recursive badunlock trylock destroy inversion; do
	if [ "$("$PROGS/annotate_locks" $mode 2>&1 | tail -n1)" = "$mode: done" ]; then pass "$mode runs without coffman"; else
		fail "$mode without coffman"; fi
done
finish
