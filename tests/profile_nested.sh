#!/bin/sh
# The contention profile times a hold that other timed holds are nested in (tests/progs/profile_nested.c):
# each of outer_lock's 10 holds lasts about 20 ms with middle_lock and inner_lock taken inside it, and
# its hold time is about 200 ms, not 0 (as when a timed hold inside another ended the outer's timing);
# a hold released out of order is not resumed later, for another hold of the same lock.  And each timed
# hold weighs as many acquisitions as it stands for: 8 first holds of 10 ms, then 20,000 brief ones, make
# about 80 ms, not 19 s (the long holds' mean times the count).
. "$top_srcdir/tests/lib.sh"
PROF="$WORK/prof.pb"
hold_ms() {     # NAME: the lock's hold total in ms, from the JSON profile object
	sed -n "s/.*\"name\":\"$1\",[^}]*\"hold_ns\":\([0-9]*\),.*/\1/p" "$LOG" | awk '{print int($1 / 1000000)}'
}
in_range() {    # WHAT VALUE LOW HIGH
	if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then pass "$1: $2 ms"; else
		fail "$1: '${2}' ms, expected $3..$4"; cat "$LOG" >&2; fi
}

run --format=json --profile="$PROF" -- "$PROGS/profile_nested"
expect_status 0
expect_out '^profile_nested: done$'
# Slept 20 ms and 10 ms per hold at least; a loaded machine only adds.
in_range "outer_lock, 10 holds of 20 ms around the others" "$(hold_ms outer_lock)" 195 5000
in_range "middle_lock, 10 holds of 10 ms around inner_lock" "$(hold_ms middle_lock)" 95 5000
in_range "inner_lock, nothing inside" "$(hold_ms inner_lock)" 0 50

run --format=json --profile="$PROF" -- "$PROGS/profile_nested" swapped
expect_status 0
expect_out '^profile_nested: swapped done$'
in_range "other_lock, 10 holds of 10 ms" "$(hold_ms other_lock)" 95 5000
in_range "swapped_lock, its out-of-order holds not resumed" "$(hold_ms swapped_lock)" 0 50
run --format=json --profile="$PROF" -- "$PROGS/profile_nested" early
expect_status 0
expect_out '^profile_nested: early done$'
in_range "early_lock, 8 holds of 10 ms then 20,000 brief ones" "$(hold_ms early_lock)" 75 1500
finish
