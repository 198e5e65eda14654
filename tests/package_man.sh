#!/bin/bash
# The manual pages render without a single groff or man warning, and whatis can read their NAME line.
# Every page the build makes is checked (doc/*.1), so a page for a new command is covered as it lands.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v man > /dev/null || { echo "SKIP: man (man-db) is not installed"; exit 77; }
pages=$(ls "$top_builddir"/doc/*.1 2> /dev/null)
[ -n "$pages" ] || { make -C "$top_builddir" doc/coffman.1 > /dev/null; pages="$top_builddir/doc/coffman.1"; }

for page in $pages; do
	name=$(basename "$page")
	# -l: this file, not an installed page.  --warnings: groff's warnings on stderr; any is a failure.
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 > "$WORK/$name.txt")
	if [ -z "$warnings" ]; then pass "$name: no warning from man --warnings"
	else fail "$name: man --warnings says:"; echo "$warnings" >&2; fi
	if [ -s "$WORK/$name.txt" ]; then pass "$name renders"; else fail "$name renders as nothing"; fi
	if lexgrog "$page" > "$WORK/whatis" 2>&1; then pass "whatis line: $(cut -d'"' -f2 "$WORK/whatis")"
	else fail "$name: lexgrog cannot parse the NAME section"; cat "$WORK/whatis" >&2; fi
done

# The launcher's page covers what a user needs, with the directory this build installs into.
page="$top_builddir/doc/coffman.1"
for s in SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT REPORTS "EXIT STATUS" FILES EXAMPLES; do
	if grep -q "^\.SH \"\?$s" "$page"; then pass "coffman.1 has $s"; else fail "coffman.1 lacks a $s section"; fi
done
libdir=$(sed -n "s/^libdir = //p" "$top_builddir/Makefile")
prefix=$(sed -n "s/^prefix = //p" "$top_builddir/Makefile")
exec_prefix=$(sed -n "s/^exec_prefix = //p" "$top_builddir/Makefile")
libdir=${libdir//'${exec_prefix}'/$exec_prefix}; libdir=${libdir//'${prefix}'/$prefix}
if sed 's/\\://g' "$page" | grep -q -F "\\%${libdir//-/\\-}/libcoffman"; then pass "coffman.1 names $libdir"
else fail "coffman.1 does not name the libdir $libdir"; fi
if grep -q '@[A-Z_]*@' "$page"; then fail "coffman.1 keeps a placeholder: $(grep -o '@[A-Z_]*@' "$page" | head -1)"
else pass "no placeholder left"; fi
finish
