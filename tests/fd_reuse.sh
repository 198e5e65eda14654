#!/bin/sh
# A daemon closes every descriptor above stderr after coffman opened its own, and its next files take
# those numbers (tests/progs/fd_reuse.c).  coffman must never close, read or write them:
# - elf: when the symbolizer starts again (a plugin's frames in a report), libdw let go of its old ELF
#   files by number and closed five of the program's /dev/null descriptors, reopening its ELF files
#   on them (0526b42);
# - pipe: libunwind's memory check (a frame without unwind information) read a byte of the program's
#   file and wrote a byte of coffman's stack into it (0526b42: "offset 3", the file changed).
# Expected: every descriptor intact, the file unchanged, and the reports still whole: the plugin's
# inversion with its file:line, and the other one's stack through the stub without unwind
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

echo "---- pipe: libunwind's memory check after the program took its numbers"
run -- "$PROGS/fd_reuse" pipe "$PLUGIN" "$WORK/data.txt"
expect_status 66
expect_out '^fd_reuse: [0-9]+ descriptors intact$'
expect_count lock-order-inversion 1
expect_log "#[0-9]+ 0x[0-9a-f]+ nocfi_call .*nocfi_call\.S:[0-9]+ \(libfdreuse\.so\)" "the stub without unwind information"
expect_log "#[0-9]+ 0x[0-9a-f]+ take_in_order .*fd_reuse\.c:$EDGE \(fd_reuse\)" "the edge's file:line"
expect_log "#[0-9]+ 0x[0-9a-f]+ main .*fd_reuse\.c:[0-9]+ \(fd_reuse\)" "main, beyond the stub"
finish
