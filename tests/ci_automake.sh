#!/bin/bash
# README recipe "automake": a whole `make check` of an Automake project under coffman, the launcher as
# LOG_COMPILER, one log per process.  The project has a test that keeps one lock order, a test with a lock-order inversion
# and a test script that runs that program twice: it passes, the other two fail (exit 66), and the
# log directory holds exactly the three offending processes' logs.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/ci/recipe.sh"

for tool in autoreconf automake cc; do
	command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
proj="$WORK/ledger"
mkdir -p "$proj"
cp "$top_srcdir/tests/ci/abba.c" "$top_srcdir/tests/ci/ordered.c" "$proj/"
cat > "$proj/configure.ac" <<'AC'
AC_INIT([ledger], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
cat > "$proj/Makefile.am" <<'AM'
AM_CFLAGS = -g -O0 -pthread
check_PROGRAMS = ordered abba
TESTS = ordered abba twice
AM
cat > "$proj/twice" <<'SH'
#!/bin/sh
# The ledger program run twice: two processes, each with its own log.
./abba; first=$?
./abba; second=$?
[ $first -eq 0 ] && [ $second -eq 0 ]
SH
chmod +x "$proj/twice"
cd "$proj"
unset MAKEFLAGS MFLAGS MAKELEVEL
(autoreconf -fi && ./configure -q && make -s) > "$WORK/build.log" 2>&1 || { fail "the sample project does not build"; tail -20 "$WORK/build.log" >&2; finish; }

run_recipe automake
if [ "$STATUS" -ne 0 ]; then pass "make check fails ($STATUS)"; else fail "make check passed"; cat "$WORK/automake.out" >&2; fi
for t in "PASS: ordered" "FAIL: abba" "FAIL: twice"; do
	if grep -q -x "$t" "$WORK/automake.out"; then pass "$t"; else fail "the harness did not say $t"; cat "$WORK/automake.out" >&2; fi
done
expect_logs_per_process coffman-logs 3
LOG="$proj/coffman-logs/$(ls coffman-logs | head -1)"
: > "$OUT"
expect_log "locks L2 'ledger_lock' while holding L1 'accounts_lock'" "a log names the locks"
expect_log 'post_entry .*abba\.c:[0-9]+' "a log gives the function and file:line"
finish
