#!/bin/sh
# COFFMAN_ON_REPORT and the gdb script.  stop-fatal: a real deadlock is reported, the process prints
# the command that attaches gdb and stops itself with every thread still in its wait; gdb in batch mode
# attaches, sources gdb/coffman-gdb.py and `coffman-threads` names each thread, what it waits for, who
# holds it, the locks each holds and the cycle; the same from a core file made with gcore; kill -CONT
# lets the process end with the exit code.  stop: every report stops the process (JSON log: a
# "stopped" object), each `kill -CONT` moves it on to the next.
. "$top_srcdir/tests/lib.sh"
SCRIPT="$top_srcdir/gdb/coffman-gdb.py"
SRC="$top_srcdir/tests/progs/annotate_locks.c"
QWAIT=$(line_of "$SRC" 'ticket_lock(&stats_lock); /* deadlock: queue side waits */')
SWAIT=$(line_of "$SRC" 'ticket_lock(&queue_lock); /* deadlock: stats side waits */')
TAKEN=$(line_of "$SRC" 'COFFMAN_LOCK_ACQUIRED(l, 0);')

if ! command -v gdb > /dev/null 2>&1 || ! command -v gcore > /dev/null 2>&1; then
	echo "SKIP: gdb is not installed (build-aux-deps.sh installs it)"
	exit 77
fi

# start_stopping [coffman options] -- PROGRAM ARGS: start it in the background; $PID, log in $LOG
start_stopping() {
	local opts=()
	while [ "$1" != "--" ]; do opts+=("$1"); shift; done
	shift
	: > "$LOG"
	"$COFFMAN" --log="$LOG" "${opts[@]}" -- "$@" > "$OUT" 2>&1 &
	PID=$!
}

# wait_stopped: until the process is in the stopped state (T), at most 20 s
wait_stopped() {
	for _ in $(seq 1 200); do
		if [ "$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$PID/stat" 2>/dev/null)" = T ]; then
			pass "process $PID stopped itself"
			return 0
		fi
		sleep 0.1
	done
	fail "process $PID did not stop"
	show
	kill -KILL "$PID" 2> /dev/null
	finish
}

# ended_with N: let it go on, then its exit status is N
ended_with() {
	kill -CONT "$PID"
	wait "$PID"
	STATUS=$?
	expect_status "$1"
}

# threads_view FILE: what coffman-threads printed must name every thread, wait, hold and the cycle
threads_view() {
	local f=$1 what=$2
	check() { if grep -E -q -- "$1" "$f"; then pass "$what: $2"; else fail "$what: $2 (no match for $1)"; cat "$f" >&2; fi; }
	check "^coffman: 3 threads known to libcoffman \(pid $PID\)$" "three threads, this pid"
	# The joined thread is named once the join has looked it up (a join that began an instant before the
	# stop may still show T0 on a loaded machine): the test asserts the wait, not the number.
	check "^T1 \(tid $PID, gdb thread [0-9]+.*\): waits in pthread_join of T[0-9]+" "T1 joins"
	check "^T[23] \(tid [0-9]+, gdb thread [0-9]+.*\): waits for 0x[0-9a-f]+ 'stats_lock' \(ticket spinlock\), held by T[23]" \
		"a thread waits for stats_lock and its holder"
	check "^T[23] \(tid [0-9]+, gdb thread [0-9]+.*\): waits for 0x[0-9a-f]+ 'queue_lock' \(ticket spinlock\), held by T[23]" \
		"a thread waits for queue_lock and its holder"
	check "^ +deadlock_queue_side .*annotate_locks\.c:$QWAIT$" "the queue side's blocking call"
	check "^ +deadlock_stats_side .*annotate_locks\.c:$SWAIT$" "the stats side's blocking call"
	check "^  holds 0x[0-9a-f]+ 'queue_lock' \(ticket spinlock\), acquired at ticket_lock .*annotate_locks\.c:$TAKEN$" "queue_lock held"
	check "^  holds 0x[0-9a-f]+ 'stats_lock' \(ticket spinlock\), acquired at ticket_lock .*annotate_locks\.c:$TAKEN$" "stats_lock held"
	check "^wait-for cycle \(a deadlock\): T[23] -> T[23] -> T[23]$" "the cycle"
}

# ---- stop-fatal: a live deadlock, handed to gdb
start_stopping --on-report=stop-fatal -- "$PROGS/annotate_locks" deadlock
wait_stopped
expect_kind lock-order-inversion
expect_count deadlock 1
expect_log "coffman: stopped for a debugger \(COFFMAN_ON_REPORT\): gdb -p $PID( |$)" "prints the gdb command"
expect_log "then \`kill -CONT $PID\` lets the process go on" "says how to let it go on"

timeout 120 gdb -batch -nx -p "$PID" -x "$SCRIPT" -ex coffman-threads > "$WORK/live.txt" 2>&1
if grep -q 'ptrace: Operation not permitted' "$WORK/live.txt"; then
	kill -KILL "$PID"
	echo "SKIP: this machine does not let gdb attach (ptrace not permitted)"
	exit 77
fi
threads_view "$WORK/live.txt" "live"
if grep -E -q "waits for .*, for [0-9.]+ s$" "$WORK/live.txt"; then pass "live: how long each waits"; else
	fail "live: no wait durations"; fi

# A core of the stopped process (gcore: no core_pattern or ulimit needed), read the same way.
timeout 120 gcore -o "$WORK/core" "$PID" > "$WORK/gcore.out" 2>&1
if [ -s "$WORK/core.$PID" ]; then pass "gcore wrote a core"; else fail "gcore wrote no core"; cat "$WORK/gcore.out" >&2; fi
timeout 120 gdb -batch -nx -x "$SCRIPT" -ex coffman-threads "$PROGS/annotate_locks" "$WORK/core.$PID" > "$WORK/core.txt" 2>&1
rm -f "$WORK/core.$PID"
threads_view "$WORK/core.txt" "core"
ended_with 66

# ---- the same for pthread mutexes
start_stopping --on-report=stop-fatal -- "$top_builddir/examples/printsum_deadlock"
wait_stopped
timeout 120 gdb -batch -nx -p "$PID" -x "$SCRIPT" -ex coffman-threads > "$WORK/mutex.txt" 2>&1
for re in "waits for 0x[0-9a-f]+ 'value_b_lock' \(mutex\), held by T[23]" "waits for 0x[0-9a-f]+ 'value_a_lock' \(mutex\), held by T[23]" \
	"holds 0x[0-9a-f]+ 'value_a_lock' \(mutex\), acquired at print_sum .*printsum_deadlock\.c:[0-9]+" \
	"sum-a-then-b" "^wait-for cycle \(a deadlock\)"; do
	if grep -E -q -- "$re" "$WORK/mutex.txt"; then pass "mutexes: $re"; else fail "mutexes: no $re"; cat "$WORK/mutex.txt" >&2; fi
done
ended_with 66

# ---- stop: every report; the JSON log says so in an object of its own
start_stopping --on-report=stop --format=json -- "$PROGS/annotate_locks" deadlock
wait_stopped
if grep -q '"kind":"lock-order-inversion"' "$LOG" && ! grep -q '"kind":"deadlock"' "$LOG"; then
	pass "stopped at the first report (the inversion)"; else fail "not stopped at the first report"; show; fi
if grep -E -q "^\{\"coffman\":1,\"pid\":$PID,\"kind\":\"stopped\",\"attach\":\"gdb -p $PID[^\"]*\",\"resume\":\"kill -CONT $PID\"\}$" "$LOG"; then
	pass "JSON: a stopped object"; else fail "JSON: no stopped object"; show; fi
kill -CONT "$PID"
for _ in $(seq 1 200); do grep -q '"kind":"deadlock"' "$LOG" && break; sleep 0.1; done
if grep -q '"kind":"deadlock"' "$LOG"; then pass "went on to the deadlock report"; else fail "no deadlock report after SIGCONT"; show; fi
wait_stopped
ended_with 66
finish
