#!/bin/sh
# A program whose own allocator keeps its arena lock while taking another lock (Firefox's
# mozjemalloc): with --graph-dir it runs as without.  The new edge arena -> stats, made after a dozen
# libraries were loaded, had the graph file refresh its table of loaded objects and sort it with
# glibc's qsort, which mallocs a copy above 1 KB; that malloc was the program's, the arena lock held
# one frame up: a double-lock report and the process ended (66), at Firefox's first dlopen (libxul).
# Without --graph-dir too: the unwinder's namespace is bound lazily, and the first call of libunwind
# into libcoffman-deps.so's own sigprocmask and pthread_mutex_lock (the first stack capture: the edge
# arena -> stats) had the loader record a dependency, under its load lock and with a malloc that was
# the program's, the arena lock held: a double-lock and the process ended.  libcoffman-deps.so is now
# linked -z nodelete, for which the loader records nothing.
. "$top_srcdir/tests/lib.sh"
run -- "$PROGS/own_allocator"
expect_status 0
expect_no_report
expect_out '^own_allocator: [0-9]+ segments, 0 checker calls inside the allocator$'

run --graph-dir="$WORK/graphs" -- "$PROGS/own_allocator"
segments=$(sed -n 's/^own_allocator: \([0-9]*\) segments.*/\1/p' "$OUT")
if [ -n "$segments" ] && [ "$segments" -lt 43 ]; then
	echo "skip: only $segments loaded segments, the table stays under 1 KB"; exit 77
fi
expect_status 0
expect_no_report
expect_out '^own_allocator: [0-9]+ segments, 0 checker calls inside the allocator$'
if python3 -c 'import json, glob, sys
keys = set()
for f in glob.glob(sys.argv[1] + "/*.graph.jsonl"):
    keys |= {json.loads(l)["key"] for l in open(f) if json.loads(l)["type"] == "class"}
sys.exit(0 if "static own_allocator:arena" in keys and any(k.startswith("site main ") for k in keys) else 1)' \
	"$WORK/graphs"; then pass "graph file: the arena and the stats lock"; else fail "graph file classes"; fi
finish
