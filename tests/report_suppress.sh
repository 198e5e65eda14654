#!/bin/sh
# COFFMAN_SUPPRESSIONS: KIND:PATTERN rules matched against the functions, source files and objects of a
# report's frames.  A suppressed report is not printed and does not change the exit status, but is
# counted in the summary; a rule that does not match (pattern or kind) changes nothing; a malformed file
# is an error naming file:line, and then no rule is used.
. "$top_srcdir/tests/lib.sh"
SUPP="$WORK/rules.supp"

# expect_suppressed KIND: the report of KIND was suppressed; expect_reported KIND: it was not
expect_suppressed() {
	expect_status 0
	expect_no_log "coffman: $1"
	expect_log "^==[0-9]+== coffman: summary: .*$1 0.*; suppressed 1;" "summary: 0 x $1, suppressed 1"
}

expect_reported() {
	expect_status 66
	expect_count "$1" 1
	expect_log "^==[0-9]+== coffman: summary: .*$1 1.*; suppressed 0;" "summary: 1 x $1, suppressed 0"
}

# --- by function name, with comments, blank lines and whitespace around
printf '# coffman suppressions\n\n   lock-order-inversion:take_b_then_a   \n\t# the end\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_suppressed lock-order-inversion
expect_out '^shared=2$'
expect_no_log 'warning'

# the same through the environment alone
: > "$LOG"
COFFMAN_SUPPRESSIONS="$SUPP" COFFMAN_LOG="$LOG" LD_PRELOAD="$top_builddir/.libs/libcoffman.so" \
	"$PROGS/rep_abba" > "$OUT" 2>&1
STATUS=$?
expect_suppressed lock-order-inversion

# whitespace around the kind and the pattern, and kind "*"
printf ' * :  take_a_then_b\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_suppressed lock-order-inversion

# --- rules that do not match change nothing
printf 'lock-order-inversion:no_such_function\nlock-order-inversion:take_b_then_a_*\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_reported lock-order-inversion
printf 'double-lock:take_b_then_a\nbad-unlock:*\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_reported lock-order-inversion

# --- by source file (a glob on the full path, and the basename), by object name
# rule_suppresses RULE PROGRAM [ARGS...]: the program's one inversion is suppressed by RULE alone
rule_suppresses() {
	local rule=$1
	shift
	printf '%s\n' "$rule" > "$SUPP"
	run --suppressions="$SUPP" -- "$@"
	if [ "$STATUS" -eq 0 ] && ! grep -q 'coffman: lock-order-inversion' "$LOG" && grep -q 'suppressed 1;' "$LOG"; then
		pass "rule '$rule' suppresses the inversion"
	else
		fail "rule '$rule' does not suppress the inversion (status $STATUS)"; show
	fi
}
for rule in '*:*abba*' '*:*/progs/rep_abba.c' 'lock-order-inversion:rep_abba.c' '*:rep_abba' \
	'lock-order-inversion:take_?_then_[a]'; do
	rule_suppresses "$rule" "$PROGS/rep_abba"
done
# a basename-only glob must not match other files' paths
printf '*:abba.c\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_reported lock-order-inversion

# --- C++: a member function's name is shown with its parameter list ("shop::Ledger::post_then_audit()");
# the rule names it with or without, and a different member's name does not match
for rule in 'lock-order-inversion:shop::Ledger::post_then_audit' 'lock-order-inversion:shop::Ledger::post_then_audit()' \
	'*:shop::*::audit_then_post'; do
	rule_suppresses "$rule" "$PROGS/cxx_mutex" inversion
done
printf 'lock-order-inversion:shop::Ledger::post\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/cxx_mutex" inversion
expect_reported lock-order-inversion

# --- another kind: the double unlock, by the function holding the call
printf 'bad-unlock:bump_and_release_twice\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_double_unlock"
expect_suppressed bad-unlock
expect_out '^counter=1$'
printf 'lock-order-inversion:bump_and_release_twice\n' > "$SUPP"
run --suppressions="$SUPP" -- "$PROGS/rep_double_unlock"
expect_reported bad-unlock

# --- JSON output honours the rules too
printf 'lock-order-inversion:take_b_then_a\n' > "$SUPP"
run --format=json --suppressions="$SUPP" -- "$PROGS/rep_abba"
expect_status 0
expect_no_log '"kind":"lock-order-inversion"'
expect_log '^\{"coffman":1,"pid":[0-9]+,"kind":"summary","counts":\{"lock-order-inversion":0,.*\},"suppressed":1,' \
	"JSON summary object: 0 x lock-order-inversion, suppressed 1"

# --- malformed files: an error naming file:line, no rule used, the program still runs and reports
bad_file() { # LINE-NUMBER, then the file's lines
	n=$1; shift
	printf '%s\n' "$@" > "$SUPP"
	run --suppressions="$SUPP" -- "$PROGS/rep_abba"
	expect_log "^==[0-9]+== coffman: warning: COFFMAN_SUPPRESSIONS: $SUPP:$n: " "error names $SUPP:$n"
	expect_out '^shared=2$'
	expect_reported lock-order-inversion
}
bad_file 3 'lock-order-inversion:take_b_then_a' '# no colon below' 'lock-order-inversion take_b_then_a'
expect_log "$SUPP:3: expected KIND:PATTERN, found no ':'" "no colon"
bad_file 2 '' 'lock-inversion:take_b_then_a' 'lock-order-inversion:take_b_then_a'
expect_log "$SUPP:2: unknown kind 'lock-inversion'" "unknown kind"
bad_file 1 'deadlock:   ' 'lock-order-inversion:take_b_then_a'
expect_log "$SUPP:1: empty pattern" "empty pattern"
bad_file 1 ':take_b_then_a'

# an unreadable file
run --suppressions="$WORK/no-such-file.supp" -- "$PROGS/rep_abba"
expect_log "coffman: warning: COFFMAN_SUPPRESSIONS: cannot read $WORK/no-such-file.supp" "missing file named"
expect_out '^shared=2$'
expect_reported lock-order-inversion
finish
