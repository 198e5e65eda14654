#!/bin/sh
# C++: std::mutex through std::lock_guard in one thread and std::scoped_lock in the other, in opposite
# orders: a lock-order-inversion naming the demangled functions and the locks; a std::recursive_mutex
# re-locked: nothing to report.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/cxx_mutex.cpp"
POST_HOLD=$(line_of "$SRC" 'std::lock_guard<std::mutex> stock(stock_mutex); // post: hold stock')
POST_EDGE=$(line_of "$SRC" 'std::lock_guard<std::mutex> audit(audit_mutex); // post: edge stock->audit')
AUDIT_HOLD=$(line_of "$SRC" 'std::scoped_lock audit(audit_mutex); // audit: hold audit')
AUDIT_EDGE=$(line_of "$SRC" 'std::scoped_lock stock(stock_mutex); // audit: edge audit->stock')

run -- "$PROGS/cxx_mutex" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_out '^cxx_mutex inversion: entries=11$'
expect_log "cycle: L[0-9] '(shop::)?(stock|audit)_mutex' -> L[0-9] '(shop::)?(stock|audit)_mutex' -> " "cycle names the two std::mutex objects"
expect_log "locks L[0-9] 'shop::audit_mutex' while holding L[0-9] 'shop::stock_mutex':" "edge stock -> audit, demangled lock names"
expect_log "locks L[0-9] 'shop::stock_mutex' while holding L[0-9] 'shop::audit_mutex':" "edge audit -> stock"
# demangled function names with the user's file:line
expect_log "#[0-9]+ 0x[0-9a-f]+ shop::Ledger::post_then_audit\(\) .*cxx_mutex\.cpp:$POST_EDGE \(cxx_mutex\)" "edge in shop::Ledger::post_then_audit() cxx_mutex.cpp:$POST_EDGE"
expect_log "#[0-9]+ 0x[0-9a-f]+ shop::Ledger::audit_then_post\(\) .*cxx_mutex\.cpp:$AUDIT_EDGE \(cxx_mutex\)" "edge in shop::Ledger::audit_then_post() cxx_mutex.cpp:$AUDIT_EDGE"
expect_no_log "_ZN4shop"

# with --held-stacks, where each held lock had been taken, in the user's code
run --held-stacks -- "$PROGS/cxx_mutex" inversion
expect_kind lock-order-inversion
expect_status 66
held_site() {
	if sed -n "/'shop::$1' had been acquired at:\$/,/^==[0-9]*== \$/p" "$LOG" | grep -q -E -- "$2"; then
		pass "$1 had been acquired at $2"; else fail "$1: no '$2' where it had been acquired"; show; fi
}
held_site stock_mutex "#[0-9]+ 0x[0-9a-f]+ shop::Ledger::post_then_audit\(\) .*cxx_mutex\.cpp:$POST_HOLD \(cxx_mutex\)"
held_site audit_mutex "#[0-9]+ 0x[0-9a-f]+ shop::Ledger::audit_then_post\(\) .*cxx_mutex\.cpp:$AUDIT_HOLD \(cxx_mutex\)"

# std::scoped_lock of two mutexes in opposite orders at once: std::lock's trylock and back-off
# cannot deadlock; nothing to report (a trylock makes no edge, the fast one neither)
run -- "$PROGS/cxx_mutex" scoped_pair
expect_no_report
expect_status 0
expect_out '^cxx_mutex scoped_pair: entries=400000$'

run -- "$PROGS/cxx_mutex" recursive
expect_no_report
expect_status 0
expect_out '^cxx_mutex recursive: entries=8$'
finish
