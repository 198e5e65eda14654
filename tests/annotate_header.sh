#!/bin/sh
# <coffman/annotate.h> compiles cleanly as C and C++, with gcc and clang, -Wall -Wextra -Werror
# -pedantic, enabled and with COFFMAN_ANNOTATE_DISABLE; a program using it needs no library and runs
# the same with and without coffman; coffman.pc points at the installed header; and without coffman
# the macros cost nothing measurable (tests/progs/annotate_cost: the same lock/unlock loop with and
# without them, each side's best of several alternating rounds).
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/annotate_header.c"
WARN="-Wall -Wextra -Werror -pedantic"

# compile LABEL COMPILER [FLAGS...]: build $SRC (both ways) and run the enabled build
compile() {
	label=$1
	shift
	if ! "$@" $WARN -I"$top_srcdir/include" "$SRC" -o "$WORK/header" 2> "$WORK/cc.err"; then
		fail "$label: does not compile"; cat "$WORK/cc.err" >&2; return
	fi
	if ! "$@" $WARN -DCOFFMAN_ANNOTATE_DISABLE -I"$top_srcdir/include" "$SRC" -o "$WORK/header_off" 2> "$WORK/cc.err"; then
		fail "$label: does not compile with COFFMAN_ANNOTATE_DISABLE"; cat "$WORK/cc.err" >&2; return
	fi
	if [ "$("$WORK/header")" = "annotate_header: done" ] && [ "$("$WORK/header_off")" = "annotate_header: done" ]; then
		pass "$label: compiles clean (both ways) and runs without coffman"
	else
		fail "$label: the program does not run without coffman"
	fi
}

compile "gcc C99" gcc -std=c99
compile "gcc C11 -O2" gcc -std=c11 -O2
compile "g++ C++98" g++ -x c++ -std=c++98
compile "g++ C++17 -O2" g++ -x c++ -std=c++17 -O2
missing=""
if command -v clang > /dev/null 2>&1 && command -v clang++ > /dev/null 2>&1; then
	compile "clang C99" clang -std=c99
	compile "clang C17 -O2" clang -std=c17 -O2
	compile "clang++ C++98" clang++ -x c++ -std=c++98
	compile "clang++ C++20 -O2" clang++ -x c++ -std=c++20 -O2
else
	missing="clang"
fi

# Under coffman: recursive nesting, a try-lock, a shared hold: nothing to report.
gcc -std=c11 $WARN -I"$top_srcdir/include" "$SRC" -o "$WORK/header"
run -- "$WORK/header"
expect_no_report
expect_status 0
expect_out '^annotate_header: done$'
if readelf -d "$WORK/header" | grep -q 'NEEDED.*coffman'; then fail "links against libcoffman"; else
	pass "no libcoffman link dependency"; fi

# coffman.pc: Cflags find the installed header (a copy under a scratch prefix); Libs add nothing on
# a libc with dlsym.
if command -v pkg-config > /dev/null 2>&1; then
	mkdir -p "$WORK/root/include/coffman"
	cp "$top_srcdir/include/coffman/annotate.h" "$WORK/root/include/coffman/"
	flags=$(PKG_CONFIG_PATH="$top_builddir" pkg-config --define-variable=prefix="$WORK/root" --cflags --libs coffman)
	if [ "$(echo $flags)" = "-I$WORK/root/include" ]; then pass "pkg-config coffman: $flags"; else
		fail "pkg-config coffman gives '$flags'"; fi
	if gcc -std=c11 $WARN $flags "$SRC" -o "$WORK/header_pc"; then pass "compiles with pkg-config's flags"; else
		fail "does not compile with pkg-config's flags"; fi
else
	missing="$missing pkg-config"
fi

# The cost without coffman: within noise.  Best rounds of an uncontended lock/unlock pair (a few ns);
# the bound is loose so that a loaded machine does not fail it, and the numbers are in the log.
line=$("$PROGS/annotate_cost" 2000000 9)
echo "cost without coffman: $line"
ratio=$(echo "$line" | sed -n 's/.*ratio \([0-9.]*\).*/\1/p')
if [ -n "$ratio" ] && [ "$(echo "$ratio < 1.5" | bc)" -eq 1 ]; then pass "annotated/plain without coffman: $ratio"; else
	fail "annotations cost too much without coffman: $line"; fi

if [ -n "$missing" ] && [ "$FAILED" -eq 0 ]; then
	echo "SKIP: not installed:$missing (build-aux-deps.sh installs them)"
	exit 77
fi
finish
