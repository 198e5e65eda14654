#!/bin/sh
# Programs whose allocator takes its own locks through pthread_mutex_trylock (jemalloc) or otherwise
# (tcmalloc, mimalloc): under coffman they start, run and report exactly as without those allocators.
# Before the private allocator, jemalloc re-entered itself through coffman's stack store and hung at
# the first allocation (even /bin/echo).
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-20}
found=0
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
	   /usr/lib/x86_64-linux-gnu/libmimalloc.so.2; do
	[ -f "$lib" ] || { echo "skip: $lib not installed"; continue; }
	found=1
	name=$(basename "$lib")
	LD_PRELOAD="$lib" run -- /bin/echo "hello from $name"
	expect_status 0
	expect_out "^hello from $name\$"
	expect_no_report
	# A real finding, with file:line, under the same allocator.
	LD_PRELOAD="$lib" run -- "$top_builddir/examples/printsum"
	expect_kind lock-order-inversion
	expect_status 66
	expect_log "#0 0x[0-9a-f]+ print_sum .*printsum\.c:[0-9]+ \(printsum\)" "$name: stack symbolized with file:line"
	# Many threads, many new edges, every allocation in the allocator's own locks.
	LD_PRELOAD="$lib" run -- "$PROGS/iso_threads_mem" 16 300
	expect_status 0
	expect_out "^threads 16 locks 300 "
	expect_faster_than 15
done
[ "$found" = 1 ] || { echo "no third-party allocator installed"; exit 77; }
finish
