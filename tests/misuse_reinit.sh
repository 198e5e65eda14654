#!/bin/sh
# reinit-live: *_init on a live lock or condition variable — a static mutex and rwlock initialised
# twice, a mutex initialised again while another thread holds it (said: locked by T2), a local mutex
# initialised twice in one function, a condition variable initialised again while a thread waits on
# it.  Clean: init after destroy for every kind, and two functions whose local mutexes share an address
# (the first frame ended without a destroy).  A forked child (and grandchild) that re-initialises the
# static mutex, condition variable and semaphore its parent made, CPython's after-fork reset of its
# GIL: clean, both exit 0; a second init in the child after that reset is still reported.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
SRC="$top_srcdir/tests/progs/misuse_lifecycle.c"
P="$PROGS/misuse_lifecycle"

in_block() {
	if sed -n "/^==[0-9]*==   $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "$3"; else fail "$3"; show; fi
}

echo "---- a static mutex initialised twice"
FIRST=$(line_of "$SRC" '/* reinit_static: first init */')
AGAIN=$(line_of "$SRC" '/* reinit_static: again */')
run -- "$P" reinit_static
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(mutex\) again while it is live \(initialised, not destroyed\)$" "summary: live"
expect_log "L1 'twice_mutex': mutex at 0x[0-9a-f]+, initialised in reinit_static .*misuse_lifecycle\.c:$FIRST$" "first init at reinit_static:$FIRST"
in_block "initialised again here" "#0 0x[0-9a-f]+ reinit_static .*misuse_lifecycle\.c:$AGAIN \(misuse_lifecycle\)" "again at reinit_static:$AGAIN"
expect_status 66

echo "---- a mutex initialised again while another thread holds it"
AGAIN=$(line_of "$SRC" '/* reinit_locked: again, while the worker holds it */')
HOLD=$(line_of "$SRC" 'pthread_mutex_lock(&hold_lock); /* reinit_locked: the worker holds it */')
run -- "$P" reinit_locked
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(mutex\) again while it is locked by T2 \(tid [0-9]+\)$" "summary: locked by T2"
expect_log "L1 'hold_lock': mutex" "hold_lock named"
in_block "initialised again here" "#0 0x[0-9a-f]+ reinit_locked .*misuse_lifecycle\.c:$AGAIN \(misuse_lifecycle\)" "again at reinit_locked:$AGAIN"
in_block "T2 locked it at" "#0 0x[0-9a-f]+ holds_hold_lock .*misuse_lifecycle\.c:$HOLD \(misuse_lifecycle\)" "T2 took it at holds_hold_lock:$HOLD"
expect_count exit-holding 0
expect_count bad-unlock 0
expect_status 66

echo "---- a local mutex initialised twice in one function"
AGAIN=$(line_of "$SRC" '/* reinit_stack: again */')
run -- "$P" reinit_stack
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(mutex\) again while it is live" "summary: live"
in_block "initialised again here" "#0 0x[0-9a-f]+ reinit_stack .*misuse_lifecycle\.c:$AGAIN \(misuse_lifecycle\)" "again at reinit_stack:$AGAIN"
expect_status 66

echo "---- a condition variable initialised again while a thread waits on it"
AGAIN=$(line_of "$SRC" '/* reinit_cond: again, while waited on */')
WAITS=$(line_of "$SRC" '/* reinit_cond: the worker waits */')
run -- "$P" reinit_cond
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(condition variable\) again while 1 thread waits on it$" "summary: waited on"
expect_log "L1 'ready_cond': condition variable" "ready_cond named"
in_block "T2 waits on it at" "#0 0x[0-9a-f]+ waits_ready .*misuse_lifecycle\.c:$WAITS \(misuse_lifecycle\)" "T2 waits at waits_ready:$WAITS"
in_block "initialised again here" "#0 0x[0-9a-f]+ reinit_cond .*misuse_lifecycle\.c:$AGAIN \(misuse_lifecycle\)" "again at reinit_cond:$AGAIN"
expect_status 66

echo "---- a static rwlock initialised twice"
run -- "$P" reinit_rwlock
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(rwlock\) again while it is live" "summary: rwlock live"
expect_log "L1 'twice_rwlock': rwlock" "twice_rwlock named"
expect_status 66

echo "---- init after destroy, and locals of two frames at one address: clean"
run -- "$P" reinit_clean
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: same frame address: yes$'
expect_out '^misuse_lifecycle: reinit_clean done$'

echo "---- a forked child resets what its parent made (CPython's PyOS_AfterFork_Child): clean"
run -- "$P" reinit_fork
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: child status 0$'

echo "---- ... and a second init in the child after its reset is reported there"
AGAIN=$(line_of "$SRC" '/* reinit_fork_twice: again in the child */')
FIRST=$(line_of "$SRC" '/* reinit_fork: init */')
RESET=$(line_of "$SRC" 'gil_create();   /* the after-fork reset')
run -- "$P" reinit_fork_twice
expect_kind reinit-live
expect_count reinit-live 1
expect_log "coffman: reinit-live: T1 initialises L1 \(mutex\) again while it is live \(initialised, not destroyed\)$" "summary: live"
expect_log "L1 'gil_mutex': mutex at 0x[0-9a-f]+, initialised in gil_create .*misuse_lifecycle\.c:$FIRST, called from reinit_fork .*misuse_lifecycle\.c:$RESET$" \
	"its live init: the child's reset (gil_create has two callers: named by the child's)"
in_block "initialised again here" "#0 0x[0-9a-f]+ reinit_fork .*misuse_lifecycle\.c:$AGAIN \(misuse_lifecycle\)" "again at reinit_fork:$AGAIN"
expect_out '^misuse_lifecycle: child status 66$'
expect_status 0
finish
