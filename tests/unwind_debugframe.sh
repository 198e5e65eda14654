#!/bin/sh
# Frames whose CFI is in .debug_frame only (code built with -g but without unwind tables; Mono's AOT
# images, mscorlib.dll.so) and frames with no CFI at all (a JIT's stubs).  libunwind 1.6 re-read a
# .debug_frame object's file for every frame it stepped there (Mono ran 3x slower: 67,000 opens of a
# 17 MB file) and still lost the stack after the first such frame; the cached walk now reads those
# rules once, with libdw.  A frame without CFI is stepped by libunwind's frame-pointer guess, which
# gave the caller a wrong stack pointer (a caller with an rsp-based frame then read its return address
# from the wrong slot, and the stack ended there); the walk now takes the caller's stack pointer from
# the frame pointer.
# Expected: every frame down to main in both reports, exit status 66; no report and 3 opens at most of
# the library for 3,000 new locks made in it (where there were 9,000), and by-rule steps there.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/debugframe.c"
LSRC="$top_srcdir/tests/progs/debugframe_lib.c"
if ! ${CC:-cc} -shared -fPIC -g -O1 -fno-asynchronous-unwind-tables -fno-unwind-tables -pthread \
	-o "$WORK/libdebugframe.so" "$LSRC" 2> "$WORK/cc.err" ||
   ! ${CC:-cc} -g -O2 -fomit-frame-pointer -pthread -o "$WORK/debugframe" "$SRC" \
	"$top_srcdir/tests/progs/nocfi_call.S" "$WORK/libdebugframe.so" -Wl,-rpath,"$WORK" 2>> "$WORK/cc.err"; then
	echo "cannot build the program:"; cat "$WORK/cc.err"; exit 77
fi
if readelf -lW "$WORK/libdebugframe.so" | grep -q GNU_EH_FRAME ||
   ! readelf -SW "$WORK/libdebugframe.so" | grep -q '\.debug_frame'; then
	fail "the library was meant to have .debug_frame and no .eh_frame_hdr"
	readelf -SlW "$WORK/libdebugframe.so" >&2
fi

edge_has() { # N REGEX what: a line of edge N's stack (its acquisition)
	if sed -n "/edge $1:/,/had been acquired at:/p" "$LOG" | grep -q -E -- "$2"; then pass "edge $1 shows $3"; else
		fail "edge $1 lacks $3"; show; fi
}

echo "---- an inversion made in the .debug_frame library, called from main"
run -- "$WORK/debugframe" cycle
expect_status 66
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_out '^debugframe: done$'
expect_log "cycle: L1 'first' -> L2 'second' -> L1 'first'" "the cycle"
edge_has 1 "#0 0x[0-9a-f]+ nested .*debugframe_lib\.c:$(line_of "$LSRC" '/* nested: the inner lock */') \(libdebugframe\.so\)" "nested"
edge_has 1 "#1 0x[0-9a-f]+ df_forward .*debugframe_lib\.c:$(line_of "$LSRC" '/* df_forward: first then second */') " "df_forward"
edge_has 1 "#2 0x[0-9a-f]+ main .*debugframe\.c:$(line_of "$SRC" '/* main: forward */') \(debugframe\)" "main"
edge_has 2 "#1 0x[0-9a-f]+ df_backward .*debugframe_lib\.c:$(line_of "$LSRC" '/* df_backward: second then first */') " "df_backward"
edge_has 2 "#2 0x[0-9a-f]+ main .*debugframe\.c:$(line_of "$SRC" '/* main: backward */') \(debugframe\)" "main"

echo "---- an inversion made through a stub without CFI, called from an rsp-based frame"
run -- "$WORK/debugframe" nocfi
expect_status 66
expect_kind lock-order-inversion
expect_log "cycle: L1 'a' -> L2 'b' -> L1 'a'" "the cycle"
edge_has 1 "#1 0x[0-9a-f]+ nocfi_call .*nocfi_call\.S" "the stub"
edge_has 1 "#2 0x[0-9a-f]+ through_stub .*debugframe\.c:$(line_of "$SRC" '/* through_stub: the stub') " "the stub's caller"
edge_has 1 "#3 0x[0-9a-f]+ main .*debugframe\.c:$(line_of "$SRC" '/* main: a then b */') \(debugframe\)" "main"
edge_has 2 "#3 0x[0-9a-f]+ main .*debugframe\.c:$(line_of "$SRC" '/* main: b then a */') \(debugframe\)" "main"

echo "---- 3,000 new locks made in the library: its rules read once"
COFFMAN_UNWIND_CHECK=$WORK/check.log run -- "$WORK/debugframe" churn 3000
expect_status 0
expect_no_report
expect_out '^debugframe: done$'
cat "$WORK/check.log" | grep -v ': mismatch' | tail -n 2
set -- $(sed -n -E 's/.*: ([0-9]+) captures, [0-9]+ mismatches, ([0-9]+) frames stepped by rule, ([0-9]+) by libunwind$/\1 \2 \3/p' \
	"$WORK/check.log" | tail -n 1)
if [ "${1:-0}" -ge 3000 ] && [ "${3:-1}" -lt $(( ${1:-0} / 100 )) ]; then
	pass "${3:-?} of ${2:-?} + ${3:-?} steps by libunwind in ${1:-?} captures"
else
	fail "${3:-?} steps by libunwind (by rule: ${2:-?}) in ${1:-?} captures"
fi
if command -v strace > /dev/null 2>&1; then
	timeout 60 strace -f -e trace=openat,open -o "$WORK/strace.out" "$COFFMAN" --log="$LOG" -- "$WORK/debugframe" churn 3000 \
		> "$OUT" 2>&1
	opens=$(grep -c 'libdebugframe\.so", O_RDONLY[^)]*) = [0-9]' "$WORK/strace.out")
	if [ "$opens" -le 3 ]; then pass "the library opened $opens times"; else fail "the library opened $opens times"; fi
else
	echo "strace is not installed (./runtests installs it): the count of opens is not checked"
fi
finish
