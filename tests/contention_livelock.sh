#!/bin/sh
# livelock: two threads each hold one lock and trylock the other's, back off and retry in step, for
# ever (tests/progs/livelock.c hallway); the same with a random back-off makes progress (backoff) and
# the trylock test program stays clean.  With the watchdog on, the livelock ends the run as a hang would.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/livelock.c"
TRY=$(line_of "$SRC" '/* livelock: try the other side */')

run -- "$PROGS/livelock" hallway
expect_kind livelock
expect_count livelock 1
expect_status 66
expect_out '^livelock hallway: passes [01] [01]$'   # (a last pass as they give up)
expect_log "coffman: livelock: T[23] and T[23] keep failing trylock on the lock the other holds, backing off and retrying: T[23] failed on L[12] [0-9]+ times in a row, T[23] on L[12] [0-9]+ times, for [0-9.]+ s$" "summary"
expect_log "L[12] 'left_lock': mutex at 0x" "left_lock named"
expect_log "L[12] 'right_lock': mutex at 0x" "right_lock named"
expect_log "T[23], holding L[12], fails trylock of L[12] \([0-9]+ times in a row\) at:" "the failing trylocks"
n=$(grep -c -E "#0 0x[0-9a-f]+ walk .*livelock\.c:$TRY \(livelock\)" "$LOG")
if [ "$n" -eq 2 ]; then pass "both trylock stacks at walk livelock.c:$TRY"; else fail "$n trylock stacks at walk livelock.c:$TRY, expected 2"; show; fi
# Thread numbers follow the order in which the two threads first reach coffman, which load can swap.
expect_log "T[23] \(tid [0-9]+, \"alice\"\)" "thread alice"
expect_log "T[23] \(tid [0-9]+, \"barbara\"\)" "thread barbara"

# With the watchdog: the run ends at the report, like a hang
run --watchdog=1 -- "$PROGS/livelock" hallway
expect_kind livelock
expect_status 66
expect_log "as for a hang \(COFFMAN_WATCHDOG\)" "note: ended as for a hang"
if grep -q '^livelock hallway' "$OUT"; then fail "the program ran to its end"; else pass "ended at the report"; fi

# Suppressed
printf 'livelock:walk\n' > "$WORK/supp"
run --suppressions="$WORK/supp" -- "$PROGS/livelock" hallway
expect_no_log "coffman: livelock:"
expect_status 0

# Random back-off: progress, clean
run -- "$PROGS/livelock" backoff
expect_no_report
expect_status 0
expect_out '^livelock backoff: passes 2000 2000$'

# Long runs of failures, each ended by a success (the trylock's fast path, past the warm-up): each
# success ends the streak, so no livelock, even with the watchdog's shorter livelock time
run --watchdog=1 -- "$PROGS/livelock" bursts
expect_no_report
expect_status 0
expect_out '^livelock bursts: passes [1-9][0-9]* [1-9][0-9]*$'

# Trylock programs that progress: clean of livelock
run -- "$PROGS/trylock" safe
expect_no_report
expect_status 0
finish
