#!/bin/bash
# What a process start maps (bench/README.md: start-up, where it goes): the deps namespace holds the
# unwinder and the symbolizer with their libraries, and the pprof encoder (libcoffman-pprof.so with
# libprotobuf-c) only when a profile is asked for -- it is only used at exit, and mapping it cost every
# start about 0.06 ms.  With --profile it is there before main (loaded by the constructor, never from a
# wrapper), in the deps namespace, and the profile is still written.  The program imports a lock
# function, so the namespace is loaded at start (tests/deps_late.sh has one that does not).
. "$top_srcdir/tests/lib.sh"
maps_libs() { # coffman options... -- : the file names the program has mapped, one a line
	timeout -k 5 30 "$COFFMAN" "$@" "$PROGS/deps_late_imports" libs 2> "$WORK/maps.err" | awk '$6 ~ /\.so/ {n = split($6, p, "/"); print p[n]}' | sort -u
}
maps_libs -- > "$WORK/plain"
for lib in libcoffman.so libcoffman-deps.so libunwind.so; do
	if grep -q -F "$lib" "$WORK/plain"; then pass "$lib is mapped"; else fail "$lib is not mapped: $(tr '\n' ' ' < "$WORK/plain")"; fi
done
for lib in libprotobuf-c.so libcoffman-pprof.so; do
	if grep -q -F "$lib" "$WORK/plain"; then fail "$lib is mapped without --profile"; else pass "no $lib without --profile"; fi
done
if [ -s "$WORK/maps.err" ]; then fail "coffman said something: $(cat "$WORK/maps.err")"; else pass "nothing said"; fi

if [ ! -f "$top_builddir/.libs/libcoffman-pprof.so" ]; then
	echo "(built without protobuf-c: no pprof encoder to check)"
	finish
fi
maps_libs --profile="$WORK/prof" -- > "$WORK/profiled"
for lib in libcoffman-pprof.so libprotobuf-c.so; do
	if grep -q -F "$lib" "$WORK/profiled"; then pass "$lib is mapped with --profile"; else fail "$lib is not mapped with --profile"; fi
done
if [ -s "$WORK/prof" ]; then pass "the pprof file is written"; else fail "no pprof file: $(cat "$WORK/maps.err")"; fi
if grep -q "no pprof file" "$WORK/maps.err"; then fail "a warning: $(cat "$WORK/maps.err")"; else pass "no warning about the pprof file"; fi
# Loaded into the deps namespace (the loader numbers it 1), never the program's (0): no protobuf-c symbol
# may enter the program's scope.
LD_DEBUG=files timeout -k 5 30 "$COFFMAN" --profile="$WORK/prof2" /bin/true 2> "$WORK/ld.txt"
if grep -q -E 'file=[^ ]*libprotobuf-c[^ ]* \[1\]' "$WORK/ld.txt" && ! grep -q -E 'file=[^ ]*(libprotobuf-c|libcoffman-pprof)[^ ]* \[0\]' "$WORK/ld.txt"; then
	pass "the encoder and libprotobuf-c are in the deps namespace"
else
	fail "the encoder is not (only) in the deps namespace: $(grep -E 'protobuf|pprof' "$WORK/ld.txt" | head -5)"
fi
finish
