#!/bin/bash
# coffman's own descriptors never take the numbers a program expects: after stack captures, a report
# and its symbolization, the program's next open() gets 3 and pipe() 4 and 5, and nothing of coffman's
# sits below 900, and above it only its log and its copy of stderr.  (Before, libunwind's validation
# pipe took 3 and 4 for good: GLib's unix-fd test failed under coffman.)
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
# Descriptors the test harness itself passes down (make's jobserver) are there natively too: the
# program's view under coffman must be exactly its native view.
"$PROGS/iso_lowfd" > "$WORK/native.out" 2>&1
want=$(grep '^iso_lowfd: open gave' "$WORK/native.out")
echo "native: $want"
case "$want" in "iso_lowfd: open gave "*) ;; *) echo "native run failed"; cat "$WORK/native.out"; exit 99;; esac
want_re=$(printf '%s' "$want" | sed 's/[()]/\\&/g')
run -- "$PROGS/iso_lowfd"
expect_kind lock-order-inversion
expect_log "reversed_order .*iso_lowfd\.c:[0-9]+ \(iso_lowfd\)" "the report is symbolized"
expect_out "^$want_re\$"
expect_status 66
cmp -s <(grep stray "$WORK/native.out") <(grep stray "$OUT") && pass "same descriptors as natively" || fail "descriptors differ from a native run"
# coffman keeps its log and its copy of stderr, nothing else: libdw's files are closed once libelf has
# them in memory (0526b42 kept one per object read: libcoffman.so, the program, libc, ld.so, ...).
grep 'high descriptor' "$OUT"
n=$(grep -c 'high descriptor' "$OUT")
if [ "$n" -le 2 ]; then pass "$n descriptors of coffman's"; else fail "$n descriptors of coffman's, expected the log and the stderr copy"; fi
if grep -E -q 'high descriptor [0-9]+ -> .*(\.so(\.[0-9.]+)?|/iso_lowfd)$' "$OUT"; then fail "an ELF file stays open"; else
	pass "no ELF file stays open"; fi
# The same with the log on stderr (coffman's duplicate of it lives high too).
timeout 20 "$COFFMAN" -- "$PROGS/iso_lowfd" > "$OUT" 2>&1
STATUS=$?
expect_status 66
expect_out "^$want_re\$"
finish
