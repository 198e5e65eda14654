#!/bin/sh
# Real deadlock rings: N threads, thread i holds ring_lock[i] and waits for ring_lock[(i+1)%N].  For
# N = 2, 3, 16, 64: one deadlock report in which every ring thread (T2..T(N+1)) is shown waiting for a
# ring_lock at ring_worker api_ring.c:LINE while holding another, the process is ended with 66, quickly.
# (A lock-order-inversion report of the same cycle may come first: the edge that closes it is new.)
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/api_ring.c"
OWN=$(line_of "$SRC" 'pthread_mutex_lock(&ring_lock[i]); /* ring: own lock */')
NEXT=$(line_of "$SRC" 'pthread_mutex_lock(&ring_lock[(i + 1) % ring_size]); /* ring: next lock */')

# the deadlock report alone: from its header to the next header or summary line
deadlock_section() {
	sed -n '/coffman: deadlock:/,/coffman: summary:/p' "$LOG"
}

for n in 2 3 16 64; do
	echo "---- ring of $n"
	run -- "$PROGS/api_ring" "$n"
	expect_count deadlock 1
	expect_status 66
	expect_faster_than 5
	n_inv=$(grep -E -c '^(==[0-9]+== )?coffman: lock-order-inversion\b' "$LOG")
	if [ "$n_inv" -le 1 ]; then pass "at most one lock-order-inversion ($n_inv)"; else fail "$n_inv inversion reports"; show; fi
	if grep -E -q '^(==[0-9]+== )?coffman: (double-lock|bad-unlock|destroy-locked|hang)\b' "$LOG"; then
		fail "unexpected report kind"; show; else pass "no other kind of report"; fi
	expect_log "coffman: deadlock: ($n threads wait for each other|all $((n + 1)) threads are blocked)" "summary covers the $n ring threads"
	expect_log "the process is ended with the exit code" "note: the process is ended"
	deadlock_section > "$WORK/deadlock.txt"
	missing=""
	k=2
	while [ "$k" -le $((n + 1)) ]; do
		grep -E -q "^==[0-9]+==   T$k \(tid [0-9]+\) waits for L[0-9]+ 'ring_lock(\+[0-9]+)?' \(mutex\) for [0-9.]+ s, holding L[0-9]+ 'ring_lock(\+[0-9]+)?'; blocked at:" "$WORK/deadlock.txt" \
			|| missing="$missing T$k"
		k=$((k + 1))
	done
	if [ -z "$missing" ]; then pass "T2..T$((n + 1)) each wait for a ring_lock, holding another"; else
		fail "threads missing from the deadlock report:$missing"; show; fi
	frames=$(grep -E -c "#0 0x[0-9a-f]+ ring_worker .*api_ring\.c:$NEXT \(api_ring\)" "$WORK/deadlock.txt")
	if [ "$frames" -ge "$n" ]; then pass "$frames waits blocked at ring_worker api_ring.c:$NEXT"; else
		fail "$frames waits at ring_worker api_ring.c:$NEXT, expected $n"; show; fi
	if grep -E -q "api_ring\.c:$OWN\b" "$WORK/deadlock.txt" && ! grep -E -q "api_ring\.c:$NEXT\b" "$WORK/deadlock.txt"; then
		fail "blocked at the first lock"; fi
	expect_out "^api_ring: $n threads$"
	if grep -q 'not reached' "$OUT"; then fail "the program went on after the deadlock"; else pass "the process ended at the deadlock"; fi
done
finish
