#!/bin/sh
# A lock whose memory goes away while it is locked: coffman reads a thread's remaining holds when the
# thread ends and the main thread's when the process exits.  Memory the program unmapped (mmap/munmap,
# or a 1 MB calloc block that free gives back to the kernel) must not be read — that read ended the
# program with SIGSEGV (status 139) at its exit — and is reported as destroy-locked, "no longer mapped",
# with where it was locked; a mutex overwritten in place is reported as before.  The program's own output
# and work are unchanged in every mode.  Nor may another thread's wait on memory unmapped since be read
# (condwait, below).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/lock_unmapped.c"

# check MODE LINE-MARKER SUMMARY-REGEX
check() {
	echo "---- $1"
	run -- "$PROGS/lock_unmapped" "$1"
	expect_status 66
	expect_out "^lock_unmapped $1: done\$"
	expect_kind destroy-locked
	expect_count destroy-locked 1
	expect_log "coffman: destroy-locked: $3" "$1: the summary"
	line=$(line_of "$SRC" "$2")
	expect_log "#0 0x[0-9a-f]+ [a-z_]+ .*lock_unmapped\.c:$line \(lock_unmapped\)" "$1: locked at lock_unmapped.c:$line"
}

check exit 'pthread_mutex_lock(&s->m); /* unmapped: mutex held by main */' \
	"T1 holds L1 \(mutex\), but its memory is no longer mapped: it was freed or unmapped while locked"
check thread 'pthread_mutex_lock(&s->m); /* unmapped: mutex held by the worker */' \
	"T2 holds L1 \(mutex\), but its memory is no longer mapped: it was freed or unmapped while locked"
check rwlock 'pthread_rwlock_wrlock(&s->rw); /* unmapped: rwlock held */' \
	"T2 holds L1 \(rwlock\), but its memory is no longer mapped: it was freed or unmapped while locked"
check bigfree 'pthread_mutex_lock(&s->m); /* unmapped: mutex in a big block */' \
	"T1 holds L1 \(mutex\), but its memory is no longer mapped: it was freed or unmapped while locked"
check overwrite 'pthread_mutex_lock(&buffer.m); /* unmapped: mutex overwritten */' \
	"T1 holds L1 \(mutex\), but its memory no longer holds a locked mutex: it was freed or overwritten while locked"

# A condition variable another thread waits on, unmapped since: natively both threads sleep for ever.
# The deadlock search of the joining thread read it and ended the program with SIGSEGV (139); now the
# wait is no proof of a deadlock, and the watchdog reports the hang where the sleeper waits.
echo "---- condwait"
WAITLINE=$(line_of "$SRC" 'pthread_cond_wait(&s->c, &s->m); /* unmapped: waits on a condition variable */')
run --watchdog=1 -- "$PROGS/lock_unmapped" condwait
expect_status 66
expect_out '^lock_unmapped condwait: unmapped$'
expect_kind hang
expect_log "coffman: hang: T2 has been blocked for [0-9.]+ s in a condition wait" "condwait: the sleeper's hang"
expect_log "#0 0x[0-9a-f]+ cond_waiter .*lock_unmapped\.c:$WAITLINE \(lock_unmapped\)" "condwait: blocked at lock_unmapped.c:$WAITLINE"

# The thread-exit check must not report an exit-holding for a lock whose memory is gone: the one report is
# the destroy-locked above.
run -- "$PROGS/lock_unmapped" thread
expect_no_log "coffman: exit-holding:"
finish
