#!/bin/bash
# Names a person recognises: a struct field as symbol+offset, inlined calls as frames of their own,
# and never a frame of coffman itself.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
SRC="$top_srcdir/tests/progs/names.c"

echo "# a lock inside a global struct, taken through an always-inline helper"
run -- "$PROGS/names" struct
expect_kind lock-order-inversion
expect_log "L[0-9] 'bank\+8': mutex at 0x[0-9a-f]+" "struct field named bank+8"
expect_log "L[0-9] 'audit_lock'" "static lock named"
SECOND=$(line_of "$SRC" '/* lock_pair: second */')
expect_log "#0 0x[0-9a-f]+ lock_pair .*names\.c:$SECOND \(names\) \[inlined\]$" "inlined helper is a frame of its own"
expect_log "#1 0x[0-9a-f]+ post_to_bank .*names\.c:$(line_of "$SRC" '/* post_to_bank: pair */') \(names\)$" "its caller, at the call site"
expect_log "#1 0x[0-9a-f]+ audit_bank .*names\.c:$(line_of "$SRC" '/* audit_bank: pair */') \(names\)$" "the other caller"
expect_no_log "\(libcoffman\.so\)"

echo "# pthread_once re-entered: the stack runs through coffman's wrapper, which is never shown"
run -- "$PROGS/names" once
expect_kind double-lock
expect_status 66
expect_log "#0 0x[0-9a-f]+ ensure_setup .*names\.c:$(line_of "$SRC" '/* ensure_setup: once */')" "the re-entering call"
expect_log "#1 0x[0-9a-f]+ setup .*names\.c:$(line_of "$SRC" '/* setup: re-enters */')" "from the init routine"
expect_no_log "\(libcoffman\.so\)"
expect_no_log "wrap_cond\.c"
finish
