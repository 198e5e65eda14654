#!/bin/sh
# A daemon closes every descriptor above stderr after coffman opened its own, and its next files take
# those numbers (tests/progs/fd_reuse.c).  coffman must never close, read or write them:
# - elf: when the symbolizer starts again (a plugin's frames in a report), libdw let go of its old ELF
#   files by number and closed five of the program's /dev/null descriptors, reopening its ELF files
#   on them (0526b42);
# - pipe: libunwind's memory check (a frame without unwind information) read a byte of the program's
#   file and wrote a byte of coffman's stack into it (0526b42: "offset 3", the file changed).
# - elf with 9,000 descriptors held first: coffman's files land past 9,000 (2c43e9e noted numbers below
#   8,192 only, and closed two of the program's there);
# - log: the program reopens coffman's log read-only on coffman's old number; coffman took it for its
#   log, failed to write, closed the program's descriptor and sent the rest to stderr (2c43e9e);
# - fifo: a loaded plugin's file replaced by a FIFO; the stack walk through the plugin's frames opened
#   it and waited for a writer for ever, with the program's signals held (0526b42, 2c43e9e: killed by
#   the timeout).
# Expected: every descriptor intact, the file unchanged, no wait, and the reports still whole: the
# plugin's inversion with its file:line, and the other one's stack through the stub without unwind
# information down to main.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/fd_reuse.c"
PSRC="$top_srcdir/tests/progs/fd_reuse_plugin.c"
PLUGIN="$WORK/libfdreuse.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$PLUGIN" "$PSRC" "$top_srcdir/tests/progs/nocfi_call.S" \
	2> "$WORK/cc.err"; then
	cat "$WORK/cc.err"
	fail "cannot build the plugin"
	finish
fi
EDGE=$(line_of "$SRC" '/* fd_reuse: edge */')
PEDGE=$(line_of "$PSRC" '/* plugin: edge */')

echo "---- elf: the symbolizer's files after the program took their numbers"
run -- "$PROGS/fd_reuse" elf "$PLUGIN"
expect_status 66
expect_out '^fd_reuse: [0-9]+ descriptors intact$'
expect_count lock-order-inversion 2
expect_log "cycle: L1 'plugin_x' -> L2 'plugin_y' -> L1 'plugin_x'" "the plugin's cycle"
expect_log "#[0-9]+ 0x[0-9a-f]+ plugin_pair .*fd_reuse_plugin\.c:$PEDGE \(libfdreuse\.so\)" "the plugin's frame, file:line"

echo "---- elf, 9000 descriptors held first: coffman's files past 9000"
run -- "$PROGS/fd_reuse" elf "$PLUGIN" 9000
if [ "$STATUS" -eq 77 ]; then
	echo "skipped: $(cat "$OUT")"
else
	expect_status 66
	expect_out '^fd_reuse: [0-9]+ descriptors intact$'
	expect_count lock-order-inversion 2
	expect_log "#[0-9]+ 0x[0-9a-f]+ plugin_pair .*fd_reuse_plugin\.c:$PEDGE \(libfdreuse\.so\)" "the plugin's frame, file:line"
fi

echo "---- pipe: libunwind's memory check after the program took its numbers"
run -- "$PROGS/fd_reuse" pipe "$PLUGIN" "$WORK/data.txt"
expect_status 66
expect_out '^fd_reuse: [0-9]+ descriptors intact$'
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ nocfi_call .*nocfi_call\.S:[0-9]+ \(libfdreuse\.so\)" "the stub without unwind information"
expect_log "#[0-9]+ 0x[0-9a-f]+ take_in_order .*fd_reuse\.c:$EDGE \(fd_reuse\)" "the edge's file:line"
expect_log "#[0-9]+ 0x[0-9a-f]+ main .*fd_reuse\.c:[0-9]+ \(fd_reuse\)" "main, beyond the stub"
echo "---- log: the program reopens coffman's log, read-only, on coffman's number"
run -- "$PROGS/fd_reuse" log "$LOG"
expect_status 66
expect_out '^fd_reuse: [0-9]+ descriptors intact$'
expect_count lock-order-inversion 2
expect_no_log 'could not be written'

echo "---- fifo: the plugin's file replaced by a FIFO before its frames are walked"
cp "$PLUGIN" "$WORK/libfifo.so"
RUN_TIMEOUT=20 run -- "$PROGS/fd_reuse" fifo "$WORK/libfifo.so"
expect_status 66
expect_out "^fd_reuse: the plugin's report is done$"
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ plugin_both_ways\+0x[0-9a-f]+ \(libfifo\.so\+0x[0-9a-f]+\)" "the plugin's exported function, by its loaded symbols"
expect_log "#[0-9]+ 0x[0-9a-f]+ main .*fd_reuse\.c:[0-9]+ \(fd_reuse\)" "main, beyond the plugin"
finish
