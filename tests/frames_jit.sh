#!/bin/sh
# Frames in code a JIT made (in no ELF object) are named from the JIT's perf map, /tmp/perf-<pid>.map
# ("START SIZE NAME"; the last line that covers the address wins), as "NAME+0xOFF (perf-PID.map)",
# in the text report and in JSON; without a map they stay "?? (?)";
# a map that is a symbolic link is not followed; a map that does not cover the frame leaves it "?? (?)"
# (it was "?? (perf-PID.map)"; "perf-PID.map+0x0" in the profile's folded stacks).
# Expected: exit status 66 each time (the inversion), the stub's frame named only with a real map.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/jit_frames.c"
INNER=$(line_of "$SRC" '/* take_pair: the inner lock */')
MAIN2=$(line_of "$SRC" '/* main: right then left */')

edge2() { sed -n '/edge 2:/,/had been acquired at:/p' "$LOG"; }

echo "---- the JIT's map names its stub"
run -- "$PROGS/jit_frames" map
expect_status 66
expect_kind lock-order-inversion
expect_out '^jit_frames: done$'
if edge2 | grep -q -E "#0 0x[0-9a-f]+ take_pair .*jit_frames\.c:$INNER \(jit_frames\)"; then pass "take_pair"; else fail "no take_pair frame"; show; fi
if edge2 | grep -q -E '#1 0x[0-9a-f]+ JitStub::Call\(System\.Action\)\+0xb \(perf-[0-9]+\.map\)$'; then
	pass "the stub named by the map's last line for it, with the offset"
else
	fail "the stub's frame is not named from the map"; show
fi
if edge2 | grep -q -E "#2 0x[0-9a-f]+ main .*jit_frames\.c:$MAIN2 \(jit_frames\)"; then pass "main beyond the stub"; else fail "no main frame"; show; fi
expect_no_log 'JitStub::Old'

echo "---- a map of 200,000 functions"
run -- "$PROGS/jit_frames" big
expect_status 66
if edge2 | grep -q -E '#1 0x[0-9a-f]+ JitStub::Call\(System\.Action\)\+0xb \(perf-[0-9]+\.map\)$'; then
	pass "the stub named among them"
else
	fail "the stub not named in a big map"; show
fi
expect_faster_than 10

echo "---- JSON"
run --format=json -- "$PROGS/jit_frames" map
expect_status 66
expect_log '"function": ?"JitStub::Call\(System\.Action\)' "the JSON frame's function"

echo "---- no map"
run -- "$PROGS/jit_frames" none
expect_status 66
if edge2 | grep -q -E '#1 0x[0-9a-f]+ \?\? \(\?\)$'; then pass "the stub is ?? without a map"; else fail "the stub was named without a map"; show; fi

echo "---- a map that does not list the stub"
run -- "$PROGS/jit_frames" other
expect_status 66
if edge2 | grep -q -E '#1 0x[0-9a-f]+ \?\? \(\?\)$'; then pass "the stub is ?? when the map does not cover it"; else fail "the stub was given the map's name"; show; fi

echo "---- the map's name is a symbolic link"
run -- "$PROGS/jit_frames" symlink
expect_status 66
if edge2 | grep -q -E '#1 0x[0-9a-f]+ \?\? \(\?\)$'; then pass "the link is not followed"; else fail "a linked map was read"; show; fi
finish
