#!/bin/sh
# The pprof file opens in `go tool pprof -top` (Debian's golang-go) with function names: the waiter's
# stack under the default sample type (delay), the holder's critical section under holder_delay.
. "$top_srcdir/tests/lib.sh"
if ! command -v go >/dev/null 2>&1; then
	echo "SKIP: go (golang-go) is not installed"
	exit 77
fi
export GOCACHE="$WORK/gocache" HOME="$WORK"
PROF="$WORK/prof.pb"
run --profile="$PROF" -- "$PROGS/profile_counts"
expect_status 0
top() { go tool pprof -top "$@" "$PROF" > "$WORK/top" 2>&1; }
if top && grep -q '^Type: delay' "$WORK/top" && grep -qE ' waiter_thread$' "$WORK/top"; then
	pass "pprof -top: delay, waiter_thread"
else
	fail "pprof -top (delay) lacks waiter_thread"; cat "$WORK/top" >&2
fi
if top -sample_index=contentions && grep -qE '^ +[1-3] .* waiter_thread$' "$WORK/top"; then
	pass "pprof -top: contentions of waiter_thread"
else
	fail "pprof -top (contentions)"; cat "$WORK/top" >&2
fi
if top -sample_index=holder_delay && grep -qE '100%.* hold_for_a_while$' "$WORK/top" && grep -qE ' main$' "$WORK/top"; then
	pass "pprof -top: holder_delay in hold_for_a_while, called from main"
else
	fail "pprof -top (holder_delay) lacks hold_for_a_while"; cat "$WORK/top" >&2
fi
if go tool pprof -traces "$PROF" 2>/dev/null | grep -qE 'lock: +contended_lock'; then
	pass "samples labelled with the lock's name"
else
	fail "no lock label"
fi
finish
