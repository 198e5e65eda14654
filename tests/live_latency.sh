#!/bin/bash
# Deadlock report latency.  Every real deadlock is reported within 1 s, measured to the report's
# header line (tests/progs/live_latency).  First a deadlock whose two members start waiting within
# microseconds of each other (main joins a worker blocked on the lock main holds), 40 runs: their
# deadlock searches run at the same moments, and each used to take the other's search for progress
# and give up, in lock step, slice after slice (seconds; 12 s once).  How close the two must be for
# that depends on the machine, so main's delay sweeps 0-140 microseconds; about one run in ten hit it.  Then 10 runs of each deadlock
# of the example suite (bench/latency: the same with 200 runs and busy loops is the README's figure),
# and the CPU a whole deadlock run costs.
. "$top_srcdir/tests/lib.sh"
LIMIT=1
SRC="$top_srcdir/tests/progs/live_joinrace.c"
JOIN=$(line_of "$SRC" 'pthread_join(th, NULL); /* stuck: joins the worker while holding state_lock */')
LOCK=$(line_of "$SRC" 'pthread_mutex_lock(&state_lock); /* stuck: main holds it and joins us */')

echo "---- two members searching at the same moments: 40 runs"
slow=0
for run in $(seq 40); do
	delay=$(( (run % 8) * 20 ))     # 0, 20, ..., 140 microseconds
	line=$("$PROGS/live_latency" --timeout=30 --save="$LOG" -- "$COFFMAN" "$PROGS/live_joinrace" $delay)
	header=$(echo "$line" | sed -n 's/^header=\([-0-9.]*\) .*/\1/p')
	status=$(echo "$line" | sed -n 's/.* status=\([-0-9]*\).*/\1/p')
	if [ "$status" != 66 ] || [ "$(echo "$header < 0 || $header > $LIMIT" | bc)" -eq 1 ]; then
		slow=$((slow + 1))
		fail "run $run (delay $delay us): $line"
	fi
done
[ "$slow" -eq 0 ] && pass "40 of 40 reported within $LIMIT s"
# the last run's report: the cycle, both members at their blocking calls
expect_log "coffman: deadlock: 2 threads wait for each other: " "a two-thread deadlock"
expect_log "#0 0x[0-9a-f]+ main .*live_joinrace\.c:$JOIN \(live_joinrace\)" "main at the join, live_joinrace.c:$JOIN"
expect_log "#0 0x[0-9a-f]+ worker .*live_joinrace\.c:$LOCK \(live_joinrace\)" "worker at the lock, live_joinrace.c:$LOCK"

echo "---- what a report costs: join_deadlock's whole run, best of 3, under 25 ms of CPU"
# Most of it used to go into reading and inflating libc's debug info (~70 ms here) to learn that
# start_thread is libc's plumbing, a frame never shown; on a starved CPU that alone is seconds.
best=
for run in 1 2 3; do
	line=$("$PROGS/live_latency" --timeout=30 -- "$COFFMAN" "$top_builddir/examples/join_deadlock")
	cpu=$(echo "$line" | sed -n 's/.* cpu=\([0-9.]*\).*/\1/p')
	if [ -z "$best" ] || [ "$(echo "$cpu < $best" | bc)" -eq 1 ]; then best=$cpu; fi
done
if [ "$(echo "$best < 0.025" | bc)" -eq 1 ]; then pass "join_deadlock: $best s of CPU"; else
	fail "join_deadlock used $best s of CPU (limit 0.025 s)"; fi

echo "---- each deadlock of the example suite: 10 runs"
if "$top_srcdir/bench/latency" --runs=10 --busy=0 --limit=$LIMIT --builddir="$top_builddir" > "$OUT" 2>&1; then
	pass "every example deadlock reported within $LIMIT s"
else
	fail "an example deadlock was late or silent"
fi
cat "$OUT"
finish
