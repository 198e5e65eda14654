#!/bin/sh
# exit-holding: a thread that ends holding a lock that is not robust is a report (it used to be a
# warning line outside the summary and the exit status): the lock, where it was taken, and how the
# thread ended — returning from its start routine, pthread_exit, or cancelled inside pthread_cond_wait
# (which takes the mutex back before the cleanup handlers run), with who cancelled it.  Clean: the same
# cancellation with a cleanup handler that unlocks; a robust mutex (the next locker gets EOWNERDEAD);
# main returning from main while holding a lock and while another thread runs.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
SRC="$top_srcdir/tests/progs/misuse_lifecycle.c"
P="$PROGS/misuse_lifecycle"
KEEP=$(line_of "$SRC" 'pthread_mutex_lock(&leak_lock); /* exit_return: taken, never released */')
START=$(line_of "$SRC" 'static void *returns_holding(void *arg)')
TAKEN=$(line_of "$SRC" 'pthread_mutex_lock(&leak_lock); /* exit_pthread: taken */')
QUIT=$(line_of "$SRC" 'pthread_exit(NULL); /* exit_pthread: the thread ends here */')
WAIT=$(line_of "$SRC" 'pthread_cond_wait(&ready_cond, &wait_lock); /* exit_cancel_wait: cancelled here */')
CANCEL=$(line_of "$SRC" 'pthread_cancel(th); /* exit_cancel_wait: main cancels the worker */')

# in_block LABEL REGEX WHAT: a frame line under the stack labelled LABEL matches REGEX
in_block() {
	if sed -n "/^==[0-9]*==   $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "$3"; else fail "$3"; show; fi
}

echo "---- a worker returns from its start routine holding leak_lock"
run -- "$P" exit_return
expect_kind exit-holding
expect_count exit-holding 1
expect_log "coffman: exit-holding: T2 returns from its start routine holding L1 \(mutex\)$" "summary: T2 returns holding L1"
expect_log "L1 'leak_lock': mutex at 0x[0-9a-f]+" "leak_lock named"
in_block "L1 acquired at" "#0 0x[0-9a-f]+ take_and_keep .*misuse_lifecycle\.c:$KEEP \(misuse_lifecycle\)" "taken in take_and_keep:$KEEP"
in_block "its start routine, which returned" "#0 0x[0-9a-f]+ returns_holding .*misuse_lifecycle\.c:($START|$((START + 1)))" "start routine returns_holding:$START"
expect_log "summary: .*exit-holding 1," "counted in the summary"
expect_no_log "coffman: warning"
expect_status 66
expect_out '^misuse_lifecycle: exit_return done$'

echo "---- the same, suppressed by its kind and function; as JSON; in SARIF"
printf 'exit-holding:take_and_keep\n' > "$WORK/rules.supp"
run --suppressions="$WORK/rules.supp" -- "$P" exit_return
expect_no_log "coffman: exit-holding"
expect_log "^==[0-9]+== coffman: summary: .*exit-holding 0.*; suppressed 1;" "summary: suppressed 1"
expect_status 0
run --format=json -- "$P" exit_return
expect_log '^\{"coffman":1,"pid":[0-9]+,"kind":"exit-holding","summary":"T2 returns from its start routine holding L1 \(mutex\)"' "JSON kind exit-holding"
expect_log '"kind":"summary","counts":\{.*"exit-holding":1' "JSON summary counts it"
expect_status 66
run --sarif="$WORK/out.sarif" -- "$P" exit_return
if grep -q '"ruleId":"exit-holding"' "$WORK/out.sarif"; then pass "SARIF result with ruleId exit-holding"; else fail "no SARIF exit-holding result"; fi
expect_status 66

echo "---- a worker calls pthread_exit holding leak_lock"
run -- "$P" exit_pthread
expect_kind exit-holding
expect_count exit-holding 1
expect_log "coffman: exit-holding: T2 exits \(pthread_exit\) holding L1 \(mutex\)$" "summary: T2 exits (pthread_exit) holding L1"
in_block "L1 acquired at" "#0 0x[0-9a-f]+ exits_holding .*misuse_lifecycle\.c:$TAKEN \(misuse_lifecycle\)" "taken in exits_holding:$TAKEN"
in_block "exits here" "#0 0x[0-9a-f]+ quit_early .*misuse_lifecycle\.c:$QUIT \(misuse_lifecycle\)" "exit point quit_early:$QUIT"
expect_status 66

echo "---- a worker cancelled in pthread_cond_wait, no cleanup handler"
run -- "$P" exit_cancel_wait
expect_kind exit-holding
expect_count exit-holding 1
expect_log "coffman: exit-holding: T2 is cancelled in a condition wait holding L1 \(mutex\)$" "summary: cancelled in a condition wait"
expect_log "L1 'wait_lock': mutex at 0x[0-9a-f]+" "wait_lock named"
in_block "cancelled in the wait at" "#0 0x[0-9a-f]+ waits_until_cancelled .*misuse_lifecycle\.c:$WAIT \(misuse_lifecycle\)" "cancelled at waits_until_cancelled:$WAIT"
in_block "cancelled by T1 .pthread_cancel. at" "#0 0x[0-9a-f]+ exit_cancel .*misuse_lifecycle\.c:$CANCEL \(misuse_lifecycle\)" "cancelled by T1 at exit_cancel:$CANCEL"
expect_out '^misuse_lifecycle: trylock after the cancel: EBUSY$'
expect_status 66

echo "---- the same with a cleanup handler that unlocks: clean"
run -- "$P" exit_cancel_clean
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: trylock after the cancel: 0$'

echo "---- a robust mutex held at thread exit: the next locker gets EOWNERDEAD, clean"
run -- "$P" exit_robust
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: robust lock returned EOWNERDEAD$'

echo "---- main returns from main holding a lock while a worker runs: not a thread exit"
run -- "$P" main_returns
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: main_returns done$'
finish
