#!/bin/sh
# Reports through a library with a big symbol table stay cheap.  elfutils looks a frame's symbol up by
# scanning the whole table, and a report looks each frame up several times: LibreOffice's
# soffice.bin, whose libmergedlo.so exports 43,000 symbols, spent 4 s (2.5x a conversion's own CPU
# time) on the 13 reports it makes at exit.  tests/progs/manysyms_plugin.c, built here and stripped
# like a distribution's library, exports 40,000 symbols and makes 30 lock-order cycles whose stacks
# run 30 frames deep through it; with --all-instances each is reported (4,000 frames printed, about
# 10 distinct).  Looked up once per address, the run takes a fraction of a second of CPU; with a
# search per look-up it took 8-10 s.  Two caches see to it: whole frames by address (symbolize.c) and
# symbol-table answers by module and address (deps_symbolize.c); either alone passes, none fails.  The
# frames must read as before: an exported function as symbol + offset, a static one as ??, both with
# the object's offset.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
PSRC="$top_srcdir/tests/progs/manysyms_plugin.c"
for tool in strip; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is needed"; exit 77; }
done
SO="$WORK/libmanysyms.so"
if ! ${CC:-cc} -shared -fPIC -O0 -pthread -o "$SO" "$PSRC" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
strip --strip-all "$SO" || { echo "SKIP: cannot strip the plugin"; exit 77; }

cpu_seconds > "$WORK/before"
run --all-instances -- "$PROGS/api_dlopen" "$SO"
cpu_seconds > "$WORK/after"
CPU=$(echo "$(cat "$WORK/after") - $(cat "$WORK/before")" | bc)
expect_status 66
expect_out '^api_dlopen: plugin_run returned 30$'
expect_count lock-order-inversion 30
X='0x[0-9a-f]+'
P='^(==[0-9]+== )?'
expect_log "$P    #0 $X \?\? \(libmanysyms\.so\+$X\)$" "the edge's frame, a static function: no name, object + offset"
expect_log "$P    #1 $X manysyms_descend\+$X \(libmanysyms\.so\+$X\)$" "its caller: exported symbol + offset, object + offset"
expect_log "$P    #30 $X \?\? \(libmanysyms\.so\+$X\)$" "30 frames down, the static function"
expect_log "$P    #31 $X manysyms_descend\+$X \(libmanysyms\.so\+$X\)$" "and the exported one"
expect_log "$P    #32 $X plugin_run\+$X \(libmanysyms\.so\+$X\)$" "then their caller"
expect_log "$P  L1: mutex at $X \(libmanysyms\.so\+$X\), initialised in plugin_run\+$X \(libmanysyms\.so\+$X\)$" "the creation site"
N=$(grep -E -c "$P +#[0-9]+ $X .*\(libmanysyms\.so\+$X\)$" "$LOG")
if [ "$N" -ge 3000 ]; then pass "$N frames in libmanysyms.so printed"; else fail "only $N frames in libmanysyms.so"; fi
if [ "$(echo "$CPU < 3" | bc)" -eq 1 ]; then pass "30 reports in ${CPU}s of CPU (< 3 s)"; else
	fail "30 reports took ${CPU}s of CPU (limit 3 s): a symbol search per look-up?"; fi
finish
