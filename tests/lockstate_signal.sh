#!/bin/sh
# A signal handler locks a mutex its own thread holds: natively the thread waits for itself for ever.
# coffman reported it only when the signal landed outside its own code; a signal that landed while the
# thread was inside a wrapper (re-entry guard raised: a pthread_join, a condition wait, the bookkeeping
# of a new lock-order edge) sent the handler's lock straight to the real function: a silent hang.
# Expected: always a double-lock report and the exit code, never a hang.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}          # a hang is cut short here and fails the status check
SRC="$top_srcdir/tests/progs/lockstate_signal.c"
HANDLER=$(line_of "$SRC" 'pthread_mutex_lock(&sig_lock); /* handler: lock what the thread holds */')
HOLD=$(line_of "$SRC" 'pthread_mutex_lock(&sig_lock); /* main: hold sig_lock */')

block_has() {
	if sed -n "/  $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "'$1' shows $2"; else
		fail "'$1' lacks $2"; show; fi
}

for mode in in_join in_cond; do
	echo "---- signal while main is blocked in a wrapped call ($mode)"
	run -- "$PROGS/lockstate_signal" $mode
	expect_kind double-lock
	expect_count double-lock 1
	expect_status 66
	expect_log "coffman: double-lock: T1 acquires L1 \(mutex\) that it already holds: it would wait for itself forever$" "summary"
	expect_log "^==[0-9]+==   a signal handler takes it while this thread, interrupted inside the checker, holds it" "note: a signal handler"
	expect_log "L1 'sig_lock': mutex at 0x[0-9a-f]+" "sig_lock named"
	block_has "acquired again here" "#0 0x[0-9a-f]+ on_signal .*lockstate_signal\.c:$HANDLER \(lockstate_signal\)"
	block_has "already held since" "#0 0x[0-9a-f]+ main .*lockstate_signal\.c:$HOLD \(lockstate_signal\)"
	expect_out '^lockstate_signal: holding sig_lock$'
	if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "ended at the handler's lock"; fi
done

# The timer's signals land anywhere, mostly inside the checker's bookkeeping of new edges, often while
# it holds its own locks: then the report is written without symbols (object+offset frames).  Whatever
# the path, the verdict is the same: one double-lock, the exit code, no hang.
for format in text json; do
	for run_no in 1 2 3; do
		echo "---- signals while main makes new lock-order edges ($format, run $run_no)"
		run --format=$format -- "$PROGS/lockstate_signal" busy
		expect_status 66
		if [ $format = text ]; then
			expect_kind double-lock
			expect_count double-lock 1
			expect_log "coffman: double-lock: T1 acquires L1 \(mutex\) that it already holds: it would wait for itself forever$" "summary"
			# (a signal that lands in the program's own code takes the ordinary path: its own note)
			expect_log "^==[0-9]+==   (a signal handler takes it while this thread|non-recursive lock)" "note"
			expect_log "L1( 'sig_lock')?: mutex at 0x[0-9a-f]+" "L1 is a mutex"
			block_has "acquired again here" "#0 0x[0-9a-f]+ (on_signal .*lockstate_signal\.c:$HANDLER \(lockstate_signal\)|\(lockstate_signal\+0x[0-9a-f]+\))$"
		else
			n=$(grep -c '"kind":"double-lock"' "$LOG")
			if [ "$n" -eq 1 ]; then pass "one JSON double-lock"; else fail "$n JSON double-lock objects"; show; fi
			if grep '^{' "$LOG" | python3 -c 'import json,sys
for l in sys.stdin: json.loads(l)' 2> "$WORK/json.err"; then pass "every report line is JSON"; else
				fail "a report line is not JSON"; cat "$WORK/json.err" >&2; show; fi
		fi
		if grep -q 'not reached' "$OUT"; then fail "the program went on"; else pass "ended at the handler's lock"; fi
	done
done
finish
