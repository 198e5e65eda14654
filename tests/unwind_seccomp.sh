#!/bin/sh
# A process under a seccomp filter that refuses mincore() and rt_sigpending(), as Firefox's content
# processes (a SIGSYS handler logs each call and fails it: tens of thousands of "seccomp sandbox
# violation" lines per page load, since each failure left the stack unproven) and Chromium's renderers
# (killed) are: the stack walk proves its stack pages without mincore(), for its own walk and for
# libunwind's, and a report is written, to a file and to a pipe, without sigpending().  The program
# makes an inversion on stack pages not read before the filter (a new thread, main deeper than before).
# Expected: the program's count of refused calls stays 0, it is not killed; the report's stacks reach
# thread_main and main; exit status 66.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/unwind_seccomp.c"
SECOND=$(line_of "$SRC" '/* lock_both: the second lock */')
DEEP=$(line_of "$SRC" '/* deep: the call */')
THREAD=$(line_of "$SRC" '/* thread_main: first then second */')
MAIN=$(line_of "$SRC" '/* main: second then first */')

"$PROGS/unwind_seccomp" trap > "$WORK/native.out" 2>&1
case $? in
0) ;;
77) echo "skipped: $(cat "$WORK/native.out")"; exit 77 ;;
*) echo "skipped: no seccomp filter here: $(cat "$WORK/native.out")"; exit 77 ;;
esac

for mode in trap kill; do
	echo "---- mincore, rt_sigpending: SECCOMP_RET_$(echo $mode | tr a-z A-Z); the report to a file"
	run -- "$PROGS/unwind_seccomp" $mode
	expect_status 66
	expect_out '^unwind_seccomp: 0 calls refused$'
	expect_count lock-order-inversion 1
	expect_log "#0 0x[0-9a-f]+ lock_both .*unwind_seccomp\.c:$SECOND \(unwind_seccomp\)" "lock_both"
	expect_log "#1 0x[0-9a-f]+ deep .*unwind_seccomp\.c:$DEEP \(unwind_seccomp\)" "deep"
	expect_log "#2 0x[0-9a-f]+ thread_main .*unwind_seccomp\.c:$THREAD \(unwind_seccomp\)" "the thread's frames down to thread_main"
	expect_log "#2 0x[0-9a-f]+ main .*unwind_seccomp\.c:$MAIN \(unwind_seccomp\)" "main's frames down to main"
	echo "---- the same, the report to stderr, a pipe"
	{ timeout 30 "$COFFMAN" -- "$PROGS/unwind_seccomp" $mode 2>&1; echo "status $?"; } | cat > "$WORK/pipe.out"
	cp "$WORK/pipe.out" "$LOG"
	cp "$WORK/pipe.out" "$OUT"
	expect_out '^status 66$'
	expect_out '^unwind_seccomp: 0 calls refused$'
	expect_count lock-order-inversion 1
	expect_log "#2 0x[0-9a-f]+ main .*unwind_seccomp\.c:$MAIN \(unwind_seccomp\)" "main's frames down to main"
done
finish
