#!/bin/sh
# A process under a seccomp filter that refuses mincore() and rt_sigpending(), as Firefox's content
# processes (a SIGSYS handler logs each call and fails it: tens of thousands of "seccomp sandbox
# violation" lines per page load, since each failure left the stack unproven) and, for rt_sigpending,
# Chromium's renderers (killed; its baseline policy allows mincore) are: the stack walk proves its stack pages without mincore(), for its own walk and for
# libunwind's, and a report is written, to a file and to a pipe, without sigpending().  The program
# makes an inversion on stack pages not read before the filter (a new thread, main deeper than before).
# Expected: the program's count of refused calls stays 0, it is not killed; the report's stacks reach
# thread_main and main; exit status 66.  Then, as in Chromium's renderers, the file system refused too
# (EPERM for open and readlink: neither /proc/self/exe nor any object file can be read, so libdw names
# nothing): the report goes to stderr and each frame in the program still names it and its offset,
# which addr2line turns into the right line (before: "?? (?)", the program's path unknown).
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

echo "---- the file system refused (EPERM), rt_sigpending killed: Chromium's renderers"
run -- "$PROGS/unwind_seccomp" files
expect_status 66
expect_out '^unwind_seccomp: 0 calls refused$'
expect_out "reports could not be written to .*: Operation not permitted; they go to stderr"
cp "$OUT" "$LOG"
expect_count lock-order-inversion 1
expect_no_log '\(\?\)' "no frame without its object"
# expect_line REGEX LINE what: the offset of the first frame matching REGEX is unwind_seccomp.c:LINE
expect_line() {
	local off where
	off=$(grep -E -m1 -o -- "$1" "$LOG" | grep -E -o '0x[0-9a-f]+\)$' | tr -d ')')
	if [ -z "$off" ]; then fail "$3: no frame matches $1"; show; return; fi
	where=$(addr2line -e "$PROGS/unwind_seccomp" "$off" | sed -E 's/ \(discriminator [0-9]+\)$//')
	case "$where" in
	*/unwind_seccomp.c:"$2") pass "$3: unwind_seccomp+$off = unwind_seccomp.c:$2" ;;
	*) fail "$3: unwind_seccomp+$off is $where, expected unwind_seccomp.c:$2"; show ;;
	esac
}
if command -v addr2line > /dev/null; then
	expect_line "#0 0x[0-9a-f]+ .*\(unwind_seccomp\+0x[0-9a-f]+\)" "$SECOND" "lock_both, by object and offset"
	expect_line "#2 0x[0-9a-f]+ .*\(unwind_seccomp\+0x[0-9a-f]+\)" "$THREAD" "thread_main, by object and offset"
else
	expect_log "#0 0x[0-9a-f]+ .*\(unwind_seccomp\+0x[0-9a-f]+\)" "lock_both, by object and offset"
fi
finish
