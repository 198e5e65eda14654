#!/bin/sh
# Issue 9, item 11: --sarif naming anything but a regular file is written into, never replaced.  A
# device node stays a device node (also on a clean run), a named pipe stays a pipe and its reader gets
# the document, a path naming one of the program's descriptors (here a link to /proc/self/fd/1, like
# /dev/stdout) puts the document on that descriptor and the link stays; /dev/full-like devices and a
# FIFO without reader give a warning, never a hang.  (Private nodes in the test directory stand in for
# /dev/null and /dev/full, so a checker that replaces them does no harm to the machine.)
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
RUN_TIMEOUT=20

# sarif_results FILE: the number of results of the SARIF document in FILE (after any "counter=" line)
sarif_results() {
	python3 -c '
import json, sys
text = "".join(l for l in open(sys.argv[1]) if not l.startswith("counter="))
print(len(json.loads(text)["runs"][0]["results"]))' "$1" 2>/dev/null || echo invalid
}

no_temporary_files() {
	if ls "$WORK"/*.tmp.* >/dev/null 2>&1; then fail "temporary files left:"; ls "$WORK" >&2; else pass "no temporary file left"; fi
}

# ---- device nodes (mknod needs root)
if [ "$(id -u)" = 0 ] && mknod "$WORK/null" c 1 3 2>/dev/null && mknod "$WORK/full" c 1 7 2>/dev/null; then
	run --sarif="$WORK/null" -- "$PROGS/clean"
	expect_status 0
	if [ -c "$WORK/null" ]; then pass "clean run: the device node is still a device node"; else
		fail "clean run: the device node was replaced:"; ls -l "$WORK/null" >&2; fi
	run --sarif="$WORK/null" -- "$PROGS/rep_double_unlock"
	expect_status 66
	expect_kind bad-unlock
	if [ -c "$WORK/null" ]; then pass "a run with a report: still a device node"; else
		fail "a run with a report: the device node was replaced:"; ls -l "$WORK/null" >&2; fi
	run --sarif="$WORK/full" -- "$PROGS/rep_double_unlock"
	expect_status 66
	expect_log "coffman: warning: COFFMAN_SARIF: cannot write $WORK/full: No space left on device" "a full device: one warning with the reason"
	if [ -c "$WORK/full" ]; then pass "the full device is still a device node"; else fail "the full device was replaced"; fi
	no_temporary_files
else
	echo "note: not root (or mknod refused): the device-node cases are skipped"
fi

# ---- a named pipe with a reader: the reader gets the document, the pipe stays
mkfifo "$WORK/pipe"
timeout 30 cat "$WORK/pipe" > "$WORK/pipe.out" &
reader=$!
# The reader must have the FIFO open before coffman writes (its open is non-blocking: no reader yet is
# "no reader"); on a loaded machine the background cat can take a while to get there.
for i in $(seq 1 100); do
	ls -l /proc/$reader/fd 2>/dev/null | grep -q "$WORK/pipe" && break
	for c in $(cat /proc/$reader/task/*/children 2>/dev/null); do
		ls -l /proc/$c/fd 2>/dev/null | grep -q "$WORK/pipe" && break 2
	done
	sleep 0.05
done
run --sarif="$WORK/pipe" -- "$PROGS/rep_double_unlock"
expect_status 66
wait $reader
if [ -p "$WORK/pipe" ]; then pass "the FIFO is still a FIFO"; else fail "the FIFO was replaced:"; ls -l "$WORK/pipe" >&2; fi
n=$(sarif_results "$WORK/pipe.out")
if [ "$n" = 1 ]; then pass "the FIFO's reader got a SARIF document with 1 result"; else
	fail "the FIFO's reader got '$n' results:"; head -c 300 "$WORK/pipe.out" >&2; fi

# ---- a named pipe without a reader: a warning, no hang, nothing replaced
run --sarif="$WORK/pipe" -- "$PROGS/rep_double_unlock"
expect_status 66
expect_faster_than 15
expect_log "coffman: warning: COFFMAN_SARIF: cannot write $WORK/pipe: it is a FIFO with no reader" "no reader: one warning"
if [ -p "$WORK/pipe" ]; then pass "the FIFO is still a FIFO"; else fail "the FIFO was replaced"; fi

# ---- one of the program's descriptors (what /dev/stdout is): the document goes to stdout
ln -s /proc/self/fd/1 "$WORK/stdout"
timeout 30 "$COFFMAN" --log="$LOG" --sarif="$WORK/stdout" "$PROGS/rep_double_unlock" > "$WORK/stdout.txt" 2>&1
rc=$?
if [ "$rc" -eq 66 ]; then pass "stdout run: exit status 66"; else fail "stdout run: exit status $rc"; fi
if [ -L "$WORK/stdout" ]; then pass "the link to the descriptor is still a link"; else
	fail "the link to the descriptor was replaced"; ls -l "$WORK/stdout" >&2; fi
n=$(sarif_results "$WORK/stdout.txt")
if [ "$n" = 1 ]; then pass "stdout holds the SARIF document (1 result) and the program's output"; else
	fail "stdout holds '$n' results:"; head -c 300 "$WORK/stdout.txt" >&2; fi
if grep -q '^counter=1$' "$WORK/stdout.txt"; then pass "the program's own output is intact"; else
	fail "the program's output was overwritten"; cat "$WORK/stdout.txt" >&2; fi

# ---- a regular file is still replaced atomically (and no temporary file stays)
run --sarif="$WORK/out.sarif" -- "$PROGS/rep_double_unlock"
n=$(sarif_results "$WORK/out.sarif")
if [ "$n" = 1 ] && [ -f "$WORK/out.sarif" ] && [ ! -L "$WORK/out.sarif" ]; then pass "a regular file: replaced, 1 result"; else
	fail "regular file: '$n' results"; fi
no_temporary_files
finish
