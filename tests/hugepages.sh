#!/bin/sh
# Huge pages for coffman's own big tables (shim/mem.c): advised into them by default (smaps VmFlags
# "hg"), and with COFFMAN_HUGEPAGES=0 or --no-hugepages advised out of them ("nh") and never into
# them — where THP's defrag setting is "madvise", a fault in an advised table may wait for the kernel
# to compact memory.  A malformed value is named in a warning and leaves the default.
. "$top_srcdir/tests/lib.sh"

"$PROGS/big_tables" > "$OUT" 2>&1
expect_out '^big_tables: hg=0 nh=0$'    # natively: nothing advised either way

run -- "$PROGS/big_tables"
expect_status 0
expect_no_report
hg=$(sed -n 's/^big_tables: hg=\([0-9]*\) .*/\1/p' "$OUT")
if [ "${hg:-0}" -eq 0 ]; then
	echo "no table advised into huge pages by default: a kernel without transparent huge pages?"
	cat "$OUT"; exit 77
fi
pass "by default $hg of coffman's tables are advised into huge pages"

COFFMAN_HUGEPAGES=0 run -- "$PROGS/big_tables"
expect_status 0
expect_no_report
expect_out '^big_tables: hg=0 nh=[1-9][0-9]*$'

run --no-hugepages -- "$PROGS/big_tables"
expect_status 0
expect_no_report
expect_out '^big_tables: hg=0 nh=[1-9][0-9]*$'

COFFMAN_HUGEPAGES=maybe run -- "$PROGS/big_tables"
expect_status 0
expect_log 'COFFMAN_HUGEPAGES=maybe is not 0 or 1; using 1' "a malformed value is named, the default kept"
expect_out '^big_tables: hg=[1-9][0-9]* '

# The launcher's flag takes no value.
run --no-hugepages=1 -- "$PROGS/big_tables"
expect_status 2
expect_out "option '--no-hugepages=1' takes no value"
finish
