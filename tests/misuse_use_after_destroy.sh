#!/bin/sh
# use-after-destroy (once per destroyed object): lock and unlock of a destroyed mutex (glibc refuses
# with EINVAL: said so), a read
# lock of a destroyed rwlock and a lock of a destroyed spinlock (glibc lets them), signal and wait on a
# destroyed condition variable, mtx_lock on a destroyed mtx_t, a lock on memory never initialised;
# each names the object, the call's place and where it was destroyed.  Clean: init, destroy, init
# again and use, for every kind.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
SRC="$top_srcdir/tests/progs/misuse_lifecycle.c"
P="$PROGS/misuse_lifecycle"

in_block() {
	if sed -n "/^==[0-9]*==   $1:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then pass "$3"; else fail "$3"; show; fi
}

# one_use MODE FUNCTION CALL KIND USE-MARK DESTROY-MARK NAME
one_use() {
	local use destroy
	use=$(line_of "$SRC" "$5")
	destroy=$(line_of "$SRC" "$6")
	expect_log "coffman: use-after-destroy: T1 calls $3 on L1 \($4\) after it was destroyed$" "summary: $3 after destroy"
	expect_log "L1 '$7': $4 at 0x[0-9a-f]+" "$7 named"
	in_block "called here" "#0 0x[0-9a-f]+ $2 .*misuse_lifecycle\.c:$use \(misuse_lifecycle\)" "called at $2:$use"
	in_block "destroyed by T1 at" "#0 0x[0-9a-f]+ $2 .*misuse_lifecycle\.c:$destroy \(misuse_lifecycle\)" "destroyed at $2:$destroy"
}

echo "---- a destroyed mutex: lock, unlock (one bug: one report)"
run -- "$P" uad_mutex
expect_kind use-after-destroy
expect_count use-after-destroy 1
one_use uad_mutex uad_mutex pthread_mutex_lock mutex '/* uad_mutex: locked after destroy */' '/* uad_mutex: destroyed */' doomed_mutex
expect_log "the call fails with EINVAL, as it does without the checker" "says EINVAL"
expect_count bad-unlock 0
expect_out '^misuse_lifecycle: lock returned EINVAL$'
expect_status 66

echo "---- a destroyed rwlock: read lock"
run -- "$P" uad_rwlock
expect_kind use-after-destroy
expect_count use-after-destroy 1
one_use uad_rwlock uad_rwlock pthread_rwlock_rdlock rwlock '/* uad_rwlock: read-locked after destroy */' '/* uad_rwlock: destroyed */' doomed_rwlock
expect_out '^misuse_lifecycle: rdlock returned 0$'
expect_status 66

echo "---- a destroyed spinlock: lock"
run -- "$P" uad_spin
expect_kind use-after-destroy
expect_count use-after-destroy 1
one_use uad_spin uad_spin pthread_spin_lock spinlock '/* uad_spin: locked after destroy */' '/* uad_spin: destroyed */' doomed_spin
expect_status 66

echo "---- a destroyed condition variable: signal, timed wait"
run -- "$P" uad_cond
expect_kind use-after-destroy
expect_count use-after-destroy 1
one_use uad_cond uad_cond pthread_cond_signal "condition variable" '/* uad_cond: signalled after destroy */' '/* uad_cond: destroyed */' doomed_cond
expect_status 66

echo "---- a destroyed mtx_t: mtx_lock"
run -- "$P" uad_c11
expect_kind use-after-destroy
expect_count use-after-destroy 1
one_use uad_c11 uad_c11 mtx_lock mtx_t '/* uad_c11: locked after destroy */' '/* uad_c11: destroyed */' doomed_mtx
expect_log "the call fails with thrd_error" "says thrd_error"
expect_out '^misuse_lifecycle: mtx_lock returned thrd_error$'
expect_status 66

echo "---- a mutex never initialised"
GARBAGE=$(line_of "$SRC" '/* uad_garbage: never initialised */')
run -- "$P" uad_garbage
expect_kind use-after-destroy
expect_count use-after-destroy 1
expect_log "coffman: use-after-destroy: T1 calls pthread_mutex_lock on L1, memory that is not an initialised mutex$" "summary: not an initialised mutex"
expect_log "the call fails with EINVAL" "says EINVAL"
in_block "called here" "#0 0x[0-9a-f]+ uad_garbage .*misuse_lifecycle\.c:$GARBAGE \(misuse_lifecycle\)" "called at uad_garbage:$GARBAGE"
expect_out '^misuse_lifecycle: garbage lock returned EINVAL$'
expect_status 66

echo "---- init, destroy, init again and use, every kind: clean"
run -- "$P" uad_clean
expect_no_report
expect_status 0
expect_out '^misuse_lifecycle: uad_clean done$'

echo "---- C++ objects (std::shared_mutex, std::condition_variable) deleted and rebuilt in the same memory: clean"
run -- "$PROGS/misuse_cxx_reuse"
expect_no_report
expect_status 0
expect_out '^misuse_cxx_reuse: memory reused: yes$'
expect_out '^misuse_cxx_reuse: done$'
finish
