#!/bin/sh
# A lock in a stripped library's static data has no name; its first use is where the program called
# into the library, so its line named only the program's call and read as a lock of the program's.
# Now the line says which object's data holds it and at what offset (the offset of the variable in
# the unstripped library), in text, JSON and the profile's table; a heap lock gets no such note.
# Expected: exit status 66, "L1: mutex at 0x... (libstatic_lock.so+OFF), first used in main ...".
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/static_lock.c"
build_with_lib static_lock
off=$(nm "$WORK/libstatic_lock.so" | sed -n 's/^0*\([0-9a-f]*\) [bBdD] library_lock$/\1/p')
strip "$WORK/libstatic_lock.so"
if [ -z "$off" ] || nm "$WORK/libstatic_lock.so" 2>/dev/null | grep -q library_lock; then
	echo "cannot find library_lock's offset, or strip left it"; exit 77
fi
FIRST=$(line_of "$SRC" "/* main: the library's lock first */")

run -- "$WORK/static_lock"
expect_status 66
expect_kind lock-order-inversion
expect_out '^static_lock: done$'
expect_log "  L1: mutex at 0x[0-9a-f]+ \(libstatic_lock\.so\+0x$off\), first used in main .*static_lock\.c:$FIRST$" \
	"the library's lock: its object and offset 0x$off"
expect_log "  L2: mutex at 0x[0-9a-f]+, initialised in main .*static_lock\.c:[0-9]+$" "the heap lock: no object"

run --format=json -- "$WORK/static_lock"
expect_status 66
python3 - "$LOG" "$off" <<'PY' && pass "JSON static_data" || fail "JSON static_data"
import json, sys
reps = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
inv = [r for r in reps if r.get("kind") == "lock-order-inversion"][0]
l1, l2 = inv["locks"]
assert l1["name"] is None and l1["static_data"] == {"object": "libstatic_lock.so", "offset": "0x" + sys.argv[2]}, l1
assert l2["static_data"] is None, l2
PY

echo "---- the profile's table names it the same way"
run --profile="$WORK/prof" -- "$WORK/static_lock"
expect_status 66
expect_log " libstatic_lock\.so\+0x$off \(0x[0-9a-f]+, mutex\), created at a static initializer" "the profile's row"
finish
