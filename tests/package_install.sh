#!/bin/bash
# `make install DESTDIR=...` gives a working coffman: the staged launcher finds the staged library (not
# the build tree's, not the configured libdir's), which loads the staged libcoffman-deps.so beside it;
# a report has its stacks and file:line; the manual page, README and examples are there; and
# `make uninstall` takes it all away again.
#
# How the staged launcher finds its library: it looks in the configured libdir *as seen from its own
# location* (bindir -> libdir, e.g. ../lib/x86_64-linux-gnu), so the pair works wherever it has been put
# as a whole — DESTDIR, a package unpacked into a scratch root, a moved prefix — with no COFFMAN_LIB.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" "$@"; }

root="$WORK/root"
mk install DESTDIR="$root" > "$WORK/install.log" 2>&1 || { fail "make install failed"; tail -20 "$WORK/install.log" >&2; finish; }
pass "make install DESTDIR=$root"

# Where things went: ask make itself (it expands ${prefix} and friends).
cat > "$WORK/dirs.mk" <<'EOF'
include Makefile
print-dirs:
	@echo "bindir=$(bindir)"; echo "libdir=$(libdir)"; echo "mandir=$(mandir)"; echo "docdir=$(docdir)"
	@echo "includedir=$(includedir)"; echo "pkgdatadir=$(pkgdatadir)"
EOF
eval "$(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f "$WORK/dirs.mk" print-dirs)"
for f in "$bindir/coffman" "$bindir/coffman-graph" "$libdir/libcoffman.so" "$libdir/libcoffman-deps.so" \
	"$libdir/libcoffman-pprof.so" "$mandir/man1/coffman.1" "$mandir/man1/coffman-graph.1" "$docdir/README.md" "$docdir/examples/printsum.c" \
	"$docdir/examples/verdicts" "$includedir/coffman/annotate.h" "$libdir/pkgconfig/coffman.pc" \
	"$pkgdatadir/coffman-gdb.py"; do
	if [ -f "$root$f" ]; then pass "installed $f"; else fail "not installed: $f"; fi
done
if sed 's/\\://g' "$root$mandir/man1/coffman.1" | grep -q -F "${libdir//-/\\-}"; then
	pass "the installed page names $libdir"; else fail "the installed page does not name $libdir"; fi
if readelf -d "$root$libdir/libcoffman.so" "$root$libdir/libcoffman-deps.so" "$root$bindir/coffman" \
	| grep -E 'R(UN)?PATH' | grep -q -F "$top_builddir"; then
	fail "an installed object keeps a run path into the build tree"
else pass "no run path into the build tree"; fi

# Run the staged launcher on an example, with nothing pointing at any library, and read from the
# running program's own memory map which libraries it has: the staged ones, not the build tree's.
unset COFFMAN_LIB
staged="$root$bindir/coffman"
# deps_late_imports copies its own /proc/self/maps: the map of a process started by the staged launcher
# (it imports a lock function, so the deps library is loaded at start).
"$staged" "$PROGS/deps_late_imports" libs > "$WORK/maps" 2> "$WORK/maps.err"
grep -E 'libcoffman' "$WORK/maps" | awk '{print $6}' | sort -u > "$WORK/libs"
if grep -q -x -F "$root$libdir/libcoffman.so" "$WORK/libs"; then pass "the program maps $root$libdir/libcoffman.so"
else fail "the staged libcoffman.so is not mapped"; cat "$WORK/libs" "$WORK/maps.err" >&2; fi
if grep -q -x -F "$root$libdir/libcoffman-deps.so" "$WORK/libs"; then pass "and libcoffman-deps.so from beside it"
else fail "the staged libcoffman-deps.so is not mapped"; cat "$WORK/libs" "$WORK/maps.err" >&2; fi
if grep -v -F "$root/" "$WORK/libs" | grep -q .; then fail "a libcoffman from elsewhere is mapped: $(grep -v -F "$root/" "$WORK/libs")"
else pass "no other libcoffman is mapped"; fi

# A real report through the staged install: kind, function and file:line (symbolization works, so the
# dependencies library was found and loaded).
COFFMAN="$staged"
run -- "$top_builddir/examples/printsum"
expect_status 66
expect_kind lock-order-inversion
expect_log 'print_sum .*examples/printsum\.c:[0-9]+' "the report has function and file:line"
# The same launcher, moved as a whole with its library (the bin/lib pair keeps its shape).
mkdir -p "$WORK/moved"
cp -a "$root/." "$WORK/moved/"
rm -rf "$root"
COFFMAN="$WORK/moved$bindir/coffman"
run -- "$top_builddir/examples/printsum"
expect_status 66
expect_kind lock-order-inversion
"$COFFMAN" cat /proc/self/maps | awk '/libcoffman\.so/ {print $6}' | sort -u > "$WORK/libs"
if [ "$(cat "$WORK/libs")" = "$WORK/moved$libdir/libcoffman.so" ]; then pass "a moved installation uses its own library"
else fail "a moved installation maps: $(cat "$WORK/libs")"; fi

# Uninstall removes every file it installed.
mk install DESTDIR="$root" > /dev/null 2>&1
mk uninstall DESTDIR="$root" > "$WORK/uninstall.log" 2>&1 || fail "make uninstall failed"
left=$(find "$root" -type f 2> /dev/null)
if [ -z "$left" ]; then pass "make uninstall leaves no file"; else fail "make uninstall left: $left"; fi
finish
