#!/bin/bash
# README recipe "meson": a whole `meson test` run under coffman (`--wrapper`), one log per process.
# The test that keeps one lock order passes, the one with a lock-order inversion fails with 66, and the log directory holds
# that process's log alone.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/ci/recipe.sh"

for tool in meson ninja cc; do
	command -v $tool > /dev/null || { echo "SKIP: $tool is not installed (meson: build-aux-deps.sh)"; exit 77; }
done
proj="$WORK/ledger"
mkdir -p "$proj"
cp "$top_srcdir/tests/ci/abba.c" "$top_srcdir/tests/ci/ordered.c" "$proj/"
cat > "$proj/meson.build" <<'MB'
project('ledger', 'c', default_options: ['buildtype=debug'])
threads = dependency('threads')
foreach t : ['ordered', 'abba']
  test(t, executable(t, t + '.c', dependencies: threads))
endforeach
MB
cd "$proj"
unset MAKEFLAGS MFLAGS MAKELEVEL

run_recipe meson
if [ "$STATUS" -ne 0 ]; then pass "meson test fails ($STATUS)"; else fail "meson test passed"; cat "$WORK/meson.out" >&2; fi
if grep -q -E '^ *[0-9]+/[0-9]+ +ordered +OK' "$WORK/meson.out"; then pass "ordered passed"; else fail "ordered did not pass"; cat "$WORK/meson.out" >&2; fi
if grep -q -E '^ *[0-9]+/[0-9]+ +abba +FAIL .*exit status 66' "$WORK/meson.out"; then pass "abba failed with 66"
else fail "abba did not fail with 66"; cat "$WORK/meson.out" >&2; fi
expect_logs_per_process coffman-logs 1
LOG="$proj/coffman-logs/$(ls coffman-logs | head -1)"
: > "$OUT"
expect_log "locks L2 'ledger_lock' while holding L1 'accounts_lock'" "the log names the locks"
expect_log 'audit_ledger .*abba\.c:[0-9]+' "the log gives the function and file:line"
finish
