#!/bin/sh
# The program's signal handlers and coffman's internal locks (shim/sigdefer.h).  A handler that landed
# inside coffman's bookkeeping ran there: one that left it with siglongjmp (a timeout) left an internal
# lock held, and the thread's next new lock waited for it for ever; one that left a wrapper that way
# left the wrapper's re-entry guard raised, and coffman checked nothing more on that thread.  And a
# program that parks threads with signals (a collector: pthread_kill to a handler of its own) made
# coffman hold signals off with two system calls around every piece of bookkeeping.
# Expected: handlers run outside the bookkeeping, with their own siginfo, in order; the program sees
# its own handlers; after hundreds of jumps an inversion is still reported; no signal holding.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/lockstate_sigdefer.c"
P="$PROGS/lockstate_sigdefer"
BA=$(line_of "$SRC" 'pthread_mutex_lock(&b); /* jump: b after a */')
AB=$(line_of "$SRC" 'pthread_mutex_lock(&a); /* jump: a after b */')

echo "---- a timer's handler jumps out hundreds of times while the thread makes new locks and edges"
RUN_TIMEOUT=60 run -- "$P" jump
expect_out '^lockstate_sigdefer: [0-9]+ jumps, went on$'
jumps=$(sed -n 's/^lockstate_sigdefer: \([0-9]*\) jumps.*/\1/p' "$OUT")
if [ "${jumps:-0}" -ge 100 ]; then pass "$jumps jumps"; else fail "only ${jumps:-no} jumps: the test did not test"; fi
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_log "#0 0x[0-9a-f]+ jump .*lockstate_sigdefer\.c:$BA \(lockstate_sigdefer\)" "b taken after a, in jump"
expect_log "#0 0x[0-9a-f]+ jump .*lockstate_sigdefer\.c:$AB \(lockstate_sigdefer\)" "a taken after b, in jump"
expect_status 66

echo "---- a handler jumps out of a lock wait: the thread waits no more (watchdog at 1 s)"
RUN_TIMEOUT=60 run --watchdog=1 -- "$P" jumpwait
expect_out '^lockstate_sigdefer: left the wait$'
expect_out '^lockstate_sigdefer: done$'
expect_no_report
expect_status 0

echo "---- 3000 queued signals to a thread inside the bookkeeping: each one, in order, with its siginfo"
RUN_TIMEOUT=60 run -- "$P" info
expect_out '^lockstate_sigdefer: received 3000, bad 0$'
expect_no_report
expect_status 0

echo "---- sigaction and signal give back the program's own handlers"
run -- "$P" view
expect_out '^lockstate_sigdefer: view ok$'
expect_status 0

echo "---- sigset, bsd_signal, sysv_signal, __sysv_signal, ssignal give back the program's handlers"
run -- "$P" sigset
expect_out '^lockstate_sigdefer: installers ok$'
expect_status 0

echo "---- a vfork child resets its handlers before exec (CPython's subprocess): the parent's still run"
run -- "$P" vfork
expect_out '^lockstate_sigdefer: handler ran 2 times after the vfork child.s reset$'
expect_no_report
expect_status 0

if command -v strace > /dev/null; then
	echo "---- a collector's parking signal sent once: no signal holding around the bookkeeping after it"
	RUN_TIMEOUT=60 run -- strace -f -qq -e trace=rt_sigprocmask -o "$WORK/strace.out" "$P" park
	expect_out '^lockstate_sigdefer: 3000 new edges$'
	expect_status 0
	n=$(grep -c 'rt_sigprocmask' "$WORK/strace.out")
	# Thread creation and exit make a handful; holding made two per section, tens of thousands.
	if [ "$n" -lt 200 ]; then pass "$n mask changes"; else fail "$n mask changes for 3000 new edges"; fi
else
	echo "(no strace: the mask changes are not counted)"
fi
finish
