#!/bin/sh
# Heap locks that a library's constructor (no debug info) first used, one inside the other, never
# initialised by a call:
# each is named by its first use in the library, "first used in ctor_firstuse_start+0x.. (lib...)".
# With the C library's debug info installed (libc6-dbg) the dynamic loader's frames have source files,
# and the name was the loader's "call_init ./elf/dl-init.c:74" for both: in graph files, where such a
# lock's class is keyed by that name, the two were one class, and the program's order a -> m -> b a
# class cycle.  GType's class-init GRecMutex and its type GRWLock, both first used in libgobject's
# constructor, made two such false class cycles in every GStreamer run.  Without the loader's line
# info the test passes either way.
. "$top_srcdir/tests/lib.sh"
LSRC="$top_srcdir/tests/progs/ctor_firstuse_lib.c"
PSRC="$top_srcdir/tests/progs/ctor_firstuse.c"
BA=$(line_of "$PSRC" '/* ctor_firstuse: b -> a */')
if ! ${CC:-cc} -shared -fPIC -g0 -O0 -pthread -o "$WORK/libctor_firstuse.so" "$LSRC" 2> "$WORK/cc.err" ||
   ! ${CC:-cc} -g -O0 -pthread -o "$WORK/ctor_firstuse" "$PSRC" -L"$WORK" -lctor_firstuse \
	-Wl,-rpath,"$WORK" 2>> "$WORK/cc.err"; then
	echo "cannot build the test programs:"; cat "$WORK/cc.err"; exit 77
fi

# one_order PROGRAM LABEL: the program's one order a -> m -> b, its graph files: no class cycle, no
# class keyed by the loader's frame, the two locks two classes named by the library's constructor.
one_order() {
	run --graph-dir="$WORK/graphs_$2" -- "$1"
	expect_no_report
	expect_status 0
	expect_out '^ctor_firstuse: done$'
	"$top_builddir/coffman-graph" cycles "$WORK/graphs_$2" > "$WORK/cycles_$2.txt" 2>&1
	n=$(grep -c '^coffman: lock-order-inversion' "$WORK/cycles_$2.txt")
	[ "$n" = 0 ] && pass "$2: graph files: no cycle" || { fail "$2: graph files: $n cycles, expected none"
		cat "$WORK/cycles_$2.txt" >&2; }
	set -- "$WORK"/graphs_$2/*.graph.jsonl "$2"
	if grep '"type":"class"' "$1" | grep -q 'dl-init'; then fail "$2: a class keyed by the loader's frame"
		grep '"type":"class"' "$1" >&2; else pass "$2: no class keyed by the loader's frame"; fi
	n=$(grep -c '"type":"class".*ctor_firstuse_start' "$1")
	[ "$n" = 2 ] && pass "$2: two classes named by the constructor" || {
		fail "$2: $n classes named by the constructor, expected 2"; grep '"type":"class"' "$1" >&2; }
}

echo "---- one order, graph files: no class cycle"
one_order "$WORK/ctor_firstuse" linked

echo "---- the library loaded with dlopen: its constructor runs under main's dlopen call"
# The first frame with a source file above the constructor is the program's dlopen line: both locks
# were named, and keyed, by it -- one class, and a -> m -> b a class cycle.  The walk stops at the loader.
if ${CC:-cc} -g -O0 -pthread -DCTOR_DLOPEN="\"$WORK/libctor_firstuse.so\"" -o "$WORK/ctor_firstuse_dl" "$PSRC" -ldl \
	2>> "$WORK/cc.err"; then
	one_order "$WORK/ctor_firstuse_dl" dlopen
	run -- "$WORK/ctor_firstuse_dl" inversion
	expect_kind lock-order-inversion
	expect_log "L[0-9]: mutex at 0x[0-9a-f]+, first used in ctor_firstuse_start\+0x[0-9a-f]+ \(libctor_firstuse\.so\+0x[0-9a-f]+\)$" \
		"dlopen: a lock first used in the constructor, named by it"
	expect_no_log 'first used in library_lock'
else
	fail "cannot build the dlopen variant"; cat "$WORK/cc.err" >&2
fi

echo "---- the real inversion: both locks named by their first use in the library"
run -- "$WORK/ctor_firstuse" inversion
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "L[0-9]: mutex at 0x[0-9a-f]+, first used in ctor_firstuse_start\+0x[0-9a-f]+ \(libctor_firstuse\.so\+0x[0-9a-f]+\)$" \
	"a lock first used in the constructor, named by it"
expect_no_log 'first used in call_init'
expect_log "#0 0x[0-9a-f]+ main .*ctor_firstuse\.c:$BA" "the edge b -> a in main"
finish
