#!/bin/sh
# A profile with thousands of code locations (tests/progs/profile_sites.c: 300 contended call sites,
# each 8 functions deep): each location kept a pointer into the builder's table of lines, which moves
# as it grows (a mapping of its own once past 64 KB), so the folded stacks (and the pprof file) were
# read from freed or unmapped memory: this program died of SIGSEGV at exit, as Chromium's browser
# process did in every --profile run.  Expected: exit status 0, every site's function in the folded
# stacks, each once.
. "$top_srcdir/tests/lib.sh"
PROF="$WORK/prof.pb"

run --profile="$PROF" -- "$PROGS/profile_sites"
expect_status 0
expect_out '^profile_sites: 300 sites$'
# Nearly every site is contended (the helper blocks within main's 5 ms hold, except when a first-seen
# stack costs more than that): each contended site is one waiter's stack in the folded file.
n=$(sed -nE 's/.*coffman: profile: 300 locks, 600 acquisitions, ([0-9]+) contended.*/\1/p' "$LOG")
if [ -n "$n" ] && [ "$n" -ge 200 ]; then pass "header: 300 locks, $n contended"; else fail "header: '$n' contended"; show; n=300; fi
if [ -s "$PROF.folded" ]; then pass "folded stacks written"; else fail "no folded stacks"; fi
sites=$(grep -o 'site_[0-9]*;' "$PROF.folded" | sort -u | wc -l)
if [ "$sites" -eq "$n" ]; then pass "$n sites named in the folded stacks"; else fail "$sites sites named in the folded stacks, expected $n"; fi
chains=$(grep -E -c ';site_([0-9]+);b_\1;c_\1;d_\1;e_\1;f_\1;g_\1;lock_\1;' "$PROF.folded")
if [ "$chains" -eq "$n" ]; then pass "each waiter's stack names its own site's 8 functions in order"; else
	fail "$chains stacks name their own site's 8 functions, expected $n"; head -3 "$PROF.folded" >&2; fi
if grep -q '[^[:print:]]' "$PROF.folded"; then fail "unprintable bytes in the folded stacks"; else pass "folded stacks printable"; fi
finish
