#!/bin/sh
# Reports that repeat the same frames symbolize each address once.  In an object without debug info
# every lookup scans the object's whole symbol table (libdw's, then dladdr's); GStreamer's playbin
# made 36 reports of 14,440 frames at 269 distinct addresses, and writing them took 2-8 s of a 0.1 s
# run, in the thread that found the cycle.  Here api_glib's "frames" mode makes 500 instances of one
# GMutex cycle, each edge 12 g_slist_foreach calls deep (frames of the stripped libglib between the
# program's), and --all-instances reports each: 500 reports of about 120 frames.  Each report must
# show the frames in full (functions, file:line, libglib's symbol+offset), and the run must take well
# under two seconds (4.9 s here when every frame was looked up afresh, 0.2 s with the cache).  The
# symbol-table cache of deps_symbolize.c (tests/frames_manysyms.sh) alone also keeps it under the limit
# (0.66 s): the test fails only without both.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
if [ ! -x "$PROGS/api_glib" ]; then
	echo "tests/progs/api_glib was not built (no libglib2.0-dev at configure time)"; exit 77
fi
SRC="$top_srcdir/tests/progs/api_glib.c"
E1=$(line_of "$SRC" 'g_mutex_lock(&r->lock); /* frames: bus -> registry */')
E2=$(line_of "$SRC" 'G_LOCK(bus); /* frames: registry -> bus */')
N=500

# the same reports, one instance: the reference for the frames
run -- "$PROGS/api_glib" frames 1
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
GLIB_FRAME="#[0-9]+ 0x[0-9a-f]+ g_slist_foreach\+0x[0-9a-f]+ \(libglib-2\.0\.so\.0\+0x[0-9a-f]+\)$"
ONE=$(grep -c ' #[0-9]* 0x' "$LOG")
GLIB1=$(grep -c -E "$GLIB_FRAME" "$LOG")
[ "$ONE" -ge 100 ] && pass "one report of $ONE frames" || fail "one report of only $ONE frames"
[ "$GLIB1" -ge 40 ] && pass "$GLIB1 of them libglib's" || fail "only $GLIB1 frames of libglib"

run --all-instances -- "$PROGS/api_glib" frames $N
expect_status 66
expect_out "^api_glib: frames entries=$((2 * N))$"
expect_count lock-order-inversion $N
expect_log "cycle: L1 'g__bus_lock' -> L2 -> L1 'g__bus_lock'$" "the cycle bus -> registry -> bus"
n=$(grep -c -E "#0 0x[0-9a-f]+ bus_then_registry .*api_glib\.c:$E1 \(api_glib\)$" "$LOG")
[ "$n" -eq $N ] && pass "$N x edge bus -> registry at api_glib.c:$E1" || fail "$n x edge at api_glib.c:$E1, expected $N"
n=$(grep -c -E "#0 0x[0-9a-f]+ registry_then_bus .*api_glib\.c:$E2 \(api_glib\)$" "$LOG")
[ "$n" -eq $N ] && pass "$N x edge registry -> bus at api_glib.c:$E2" || fail "$n x edge at api_glib.c:$E2, expected $N"
n=$(grep -c -E "$GLIB_FRAME" "$LOG")
[ "$n" -eq $((N * GLIB1)) ] && pass "$n frames of libglib, $GLIB1 a report" || fail "$n frames of libglib, expected $((N * GLIB1))"
ALL=$(grep -c ' #[0-9]* 0x' "$LOG")
[ "$ALL" -eq $((N * ONE)) ] && pass "$ALL frames, $ONE a report" || fail "$ALL frames, expected $((N * ONE))"
# the last report shows what the first did, frame for frame (addresses and pid aside)
norm() { sed -E 's/^==[0-9]+==//; s/0x[0-9a-f]+/0x/g'; }
first=$(awk '/coffman: lock-order-inversion/{n++} n==1' "$LOG" | norm | md5sum)
last=$(awk -v N=$N '/coffman: lock-order-inversion/{n++} n==N && !/coffman: summary/' "$LOG" | norm | md5sum)
[ "$first" = "$last" ] && pass "the last report's frames are the first's" || fail "the last report differs from the first"
expect_faster_than 2
finish
