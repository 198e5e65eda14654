#!/bin/sh
# A plugin dlopened by a relative name ("./libframes.so"), its debug info in a separate file found by
# its .gnu_debuglink (as -dbgsym packages and `objcopy --only-keep-debug` make them).  The loader keeps
# the relative name; the symbolizer used it as the file's name, so the debuglink, looked for beside an
# absolute name only, was not found (no file:line), and once the program had changed its working
# directory the plugin itself could not be opened (no function name either: "?? (libframes.so+0x...)").
# It now names the object by the file the kernel has mapped.  Expected, in both runs: the plugin's
# frames with function and frames_plugin.c:LINE.
. "$top_srcdir/tests/lib.sh"
PSRC="$top_srcdir/tests/progs/frames_plugin.c"
L_SECOND=$(line_of "$PSRC" '/* frames: second lock */')
for tool in objcopy; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is needed"; exit 77; }
done
mkdir -p "$WORK/plugins" "$WORK/elsewhere"
SO="$WORK/plugins/libframes.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$SO" "$PSRC" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
( cd "$WORK/plugins" && objcopy --only-keep-debug libframes.so libframes.so.debug &&
  objcopy --strip-debug --add-gnu-debuglink=libframes.so.debug libframes.so ) ||
	{ echo "SKIP: cannot split the debug info"; exit 77; }

PROG=$(cd "$PROGS" && pwd)/api_dlopen
COFFMAN=$(cd "$(dirname "$COFFMAN")" && pwd)/coffman
cd "$WORK/plugins" || exit 1
for where in here elsewhere; do
	echo "---- dlopen(\"./libframes.so\"), then the program stays $where"
	if [ $where = here ]; then
		run -- "$PROG" ./libframes.so
	else
		run -- "$PROG" ./libframes.so "$WORK/elsewhere"
	fi
	expect_status 66
	expect_kind lock-order-inversion
	expect_log "#[0-9]+ 0x[0-9a-f]+ ledger_post .*frames_plugin\.c:$L_SECOND \(libframes\.so\)" "the plugin's frame with file:line"
	if grep -q -E '\?\? \(libframes' "$LOG"; then fail "a plugin frame without its function"; show; else pass "every plugin frame named"; fi
done
finish
