#!/bin/bash
# README recipe "cmake": a whole `ctest` run of a CMake project under coffman (the launcher as the
# tests' emulator), one log per process.  The test that keeps one lock order passes, the one with a lock-order inversion
# fails with 66, and the log directory holds that process's log alone.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/ci/recipe.sh"

for tool in cmake ctest cc; do
	command -v $tool > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
proj="$WORK/ledger"
mkdir -p "$proj"
cp "$top_srcdir/tests/ci/abba.c" "$top_srcdir/tests/ci/ordered.c" "$proj/"
cat > "$proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(ledger C)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Debug)
endif()
find_package(Threads REQUIRED)
enable_testing()
foreach(t ordered abba)
  add_executable(${t} ${t}.c)
  target_link_libraries(${t} Threads::Threads)
  add_test(NAME ${t} COMMAND ${t})
endforeach()
CM
cd "$proj"
unset MAKEFLAGS MFLAGS MAKELEVEL

run_recipe cmake
if [ "$STATUS" -ne 0 ]; then pass "ctest fails ($STATUS)"; else fail "ctest passed"; cat "$WORK/cmake.out" >&2; fi
if grep -q -E 'Test +#[0-9]+: ordered .*Passed' "$WORK/cmake.out"; then pass "ordered passed"; else fail "ordered did not pass"; cat "$WORK/cmake.out" >&2; fi
if grep -q -E 'Test +#[0-9]+: abba .*Failed' "$WORK/cmake.out"; then pass "abba failed"; else fail "abba did not fail"; cat "$WORK/cmake.out" >&2; fi
if grep -q -E 'Test command: .*coffman"? "--log=' "$WORK/cmake.out" || grep -q -E 'coffman.*--log=' build/CTestTestfile.cmake; then
	pass "ctest runs each test through coffman"; else fail "the tests are not run through coffman"; cat build/CTestTestfile.cmake >&2; fi
expect_logs_per_process coffman-logs 1
LOG="$proj/coffman-logs/$(ls coffman-logs | head -1)"
: > "$OUT"
expect_log "locks L2 'ledger_lock' while holding L1 'accounts_lock'" "the log names the locks"
expect_log 'audit_ledger .*abba\.c:[0-9]+' "the log gives the function and file:line"
finish
