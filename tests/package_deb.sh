#!/bin/bash
# The Debian package: `dpkg-buildpackage -us -uc -b` builds coffman_*.deb from a copy of these sources,
# lintian has nothing to say at its default level (the tags debian/coffman.lintian-overrides accepts
# are explained there and in README.md, "Installing"), the package holds the launcher, both libraries
# in the multiarch libdir, the manual page, the docs and the examples, and — unpacked into a scratch
# root — its launcher runs an example it ships with the library it ships, not the build tree's.
#
# Part of `make check` so that CI runs it (and `./runtests` counts it).  The package is built with
# DEB_BUILD_OPTIONS=nocheck: the suite it would run is the one running this test.  About a minute.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# Inside the package's own build (debian/rules' dh_auto_test) this would build the package again.
[ -n "${COFFMAN_NO_PACKAGE_TESTS:-}" ] && { echo "SKIP: inside a package build"; exit 77; }
for tool in dpkg-buildpackage dh lintian; do
	command -v $tool > /dev/null || { echo "SKIP: $tool is not installed (debhelper, lintian: build-aux-deps.sh)"; exit 77; }
done

# A copy of the sources: the tracked and new files of a git checkout, or the whole of an unpacked
# release (make distcheck's tree), never this build's products.
src="$WORK/coffman-src"
mkdir -p "$src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$src" -xf -
else
	cp -a "$top_srcdir/." "$src/"
	chmod -R u+w "$src"
fi
[ -f "$src/debian/control" ] || { fail "no debian/ in the sources"; finish; }

# The package's version is the program's (debian/changelog against configure.ac's AC_INIT).
version=$("$COFFMAN" --version | awk '{print $2}')
deb_version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ "${deb_version%%-*}" = "$version" ]; then pass "debian/changelog is at version $version"
else fail "debian/changelog says $deb_version, coffman --version says $version"; fi

# Niced: it compiles the whole project while the rest of the suite runs, some of it timing-sensitive.
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" timeout 900 nice -n 19 dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1
status=$?
deb=$(ls "$WORK"/coffman_*.deb 2> /dev/null | head -1)
if [ $status -eq 0 ] && [ -n "$deb" ]; then pass "dpkg-buildpackage -us -uc -b built $(basename "$deb")"
else fail "dpkg-buildpackage failed ($status)"; tail -40 "$WORK/build.log" >&2; finish; fi

# lintian at its default level: no error, no warning (--fail-on), and nothing printed at all.
nice -n 19 lintian --fail-on error,warning "$WORK"/coffman_*.changes > "$WORK/lintian.txt" 2> "$WORK/lintian.err"
status=$?
if [ $status -eq 0 ] && [ ! -s "$WORK/lintian.txt" ]; then pass "lintian is clean"
else fail "lintian ($status):"; cat "$WORK/lintian.txt" "$WORK/lintian.err" >&2; fi

# What the package holds.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$WORK/contents"
for f in /usr/bin/coffman /usr/bin/coffman-graph $libdir/libcoffman.so $libdir/libcoffman-deps.so \
	$libdir/libcoffman-pprof.so /usr/share/man/man1/coffman.1.gz /usr/share/man/man1/coffman-graph.1.gz /usr/share/doc/coffman/README.md.gz \
	/usr/share/doc/coffman/copyright /usr/share/doc/coffman/examples/printsum.c /usr/include/coffman/annotate.h \
	$libdir/pkgconfig/coffman.pc /usr/share/coffman/coffman-gdb.py; do
	if grep -q -x -F "$f" "$WORK/contents"; then pass "the package has $f"; else fail "the package lacks $f"; fi
done
if grep -q '\.la$' "$WORK/contents"; then fail "the package ships libtool .la files"; else pass "no .la file"; fi

root="$WORK/root"
dpkg -x "$deb" "$root"
if zcat "$root/usr/share/man/man1/coffman.1.gz" | sed 's/\\://g' | grep -q -F "${libdir//-/\\-}/libcoffman.so"; then
	pass "the manual page names $libdir"; else fail "the manual page does not name $libdir"; fi

# An example the package ships, built as a user would build it.
cc -g -O0 -pthread -o "$WORK/printsum" "$root/usr/share/doc/coffman/examples/printsum.c" 2> "$WORK/cc.err" \
	|| { fail "the shipped example does not compile"; cat "$WORK/cc.err" >&2; finish; }

# The unpacked launcher, with nothing pointing at a library: it must use the libraries unpacked beside it.
unset COFFMAN_LIB
COFFMAN="$root/usr/bin/coffman"
run -- "$WORK/printsum"
expect_status 66
expect_kind lock-order-inversion
expect_log 'print_sum .*printsum\.c:[0-9]+' "the report has function and file:line (libcoffman-deps.so loaded)"
"$COFFMAN" "$PROGS/deps_late_imports" libs | awk '/libcoffman/ {print $6}' | sort -u > "$WORK/libs"
expected=$(printf '%s\n' "$root$libdir/libcoffman-deps.so" "$root$libdir/libcoffman.so")
if [ "$(cat "$WORK/libs")" = "$expected" ]; then pass "the program maps the package's two libraries and no other"
else fail "the program maps: $(cat "$WORK/libs")"; fi

# Its configured libdir is the multiarch one: a launcher alone, away from its root, looks there.
mkdir -p "$WORK/alone"
cp "$root/usr/bin/coffman" "$WORK/alone/"
"$WORK/alone/coffman" /bin/true > "$WORK/alone.out" 2>&1
if grep -q -F "$libdir/libcoffman.so" "$WORK/alone.out" || [ -f "$libdir/libcoffman.so" ]; then
	pass "the launcher's configured libdir is $libdir"
else fail "a lone launcher does not look in $libdir: $(cat "$WORK/alone.out")"; fi
finish
