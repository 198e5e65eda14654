#!/bin/sh
# The contention profile's numbers on a program whose counts are known (tests/progs/profile_counts.c):
# exact acquisitions, contended > 0 where forced, the rwlock's read/write split, holder threads; the
# folded stacks' format; and with profiling off, no file and no table.
. "$top_srcdir/tests/lib.sh"
PROF="$WORK/prof.pb"

run --profile="$PROF" -- "$PROGS/profile_counts"
expect_status 0
expect_out '^profile_counts: done, counter 1013$'
expect_log "coffman: profile: 3 locks, 1043 acquisitions, [1-3] contended" "header: 3 locks, 1043 acquisitions"
# columns: # acquired contended wait(total mean max) hold(total mean max) threads changes lock
row() { grep -E "^(==[0-9]+== )? +[0-9]+ +[0-9]+ +[0-9]+ .* $1 \(" "$LOG"; }
check_row() {   # NAME ACQUIRED CONTENDED-REGEX THREADS KIND-REGEX
	line=$(row "$1")
	set -- "$@" $(echo "$line" | sed -E 's/^(==[0-9]+== )?//' | awk '{print $2, $3, $10}')
	if [ -n "$line" ] && [ "$6" = "$2" ] && echo "$7" | grep -qE "^($3)$" && [ "$8" = "$4" ] &&
	   echo "$line" | grep -qE "$1 \(0x[0-9a-f]+, $5\), created at"; then
		pass "$1: $2 acquisitions, contended $7, $4 holder threads, $5"
	else
		fail "$1: expected $2 acquisitions, contended /$3/, $4 threads, /$5/; got: $line"
	fi
}
check_row counted_lock 1000 0 1 mutex
check_row contended_lock 6 '[1-3]' 2 mutex
check_row table_lock 37 0 1 'rwlock: 30 read, 7 write'
# counted_lock (PTHREAD_MUTEX_INITIALIZER, never nested): no *_init call made it, so the row says where
# it was first used, which tells such locks apart (a program's heap std::mutex objects read alike)
USE=$(line_of "$top_srcdir/tests/progs/profile_counts.c" '		pthread_mutex_lock(&counted_lock);')
expect_log "counted_lock \(0x[0-9a-f]+, mutex\), created at a static initializer, first used in main .*profile_counts\.c:$USE$" \
	"counted_lock: first used in main:$USE"
# A thread counts a lock in batches that end at its next timed hold (the first 8 holds, then one in
# 256): exact on either side of each batch's end, read from a live thread's table at exit.
for n in 8 9 264 265; do
	run --profile="$PROF" -- "$PROGS/profile_counts" $n
	check_row counted_lock $n 0 1 mutex
done
# A forked child's profile is its own: its 5 acquisitions, not its parent's 100 before the fork too;
# the parent's counts are untouched.
run --profile="$WORK/fork.%p.pb" -- "$PROGS/profile_counts" 100 fork
child=$(sed -n 's/^profile_counts: child \([0-9]*\)$/\1/p' "$OUT")
cline=$(grep -E "^==${child:-x}== +[0-9]+ +[0-9]+ .* counted_lock \(" "$LOG" | sed -E 's/^==[0-9]+== +//')
if [ -n "$child" ] && [ "$(echo "$cline" | awk '{print $2}')" = 5 ] && [ -s "$WORK/fork.$child.pb" ]; then
	pass "forked child: counted_lock 5 acquisitions, its own file"; else
	fail "forked child ${child:-?}: '$cline'"; show; fi
if grep -E "^==${child:-x}== " "$LOG" | grep -q "table_lock"; then fail "the child lists table_lock, its parent's"; else
	pass "the child does not list its parent's table_lock"; fi
pline=$(grep -E "^==[0-9]+== +[0-9]+ +[0-9]+ .* counted_lock \(" "$LOG" | grep -v "^==${child:-x}==" | sed -E 's/^==[0-9]+== +//')
if [ "$(echo "$pline" | awk '{print $2}')" = 100 ]; then pass "its parent: counted_lock 100, as before the fork"; else
	fail "parent: '$pline'"; show; fi
run --profile="$PROF" -- "$PROGS/profile_counts"
# Sorted by total wait: the contended lock first.
expect_log "^(==[0-9]+== )? +1 +6 .* contended_lock \(" "the lock with most wait comes first"

# The folded stacks: "frame;frame;...;[lock NAME] COUNT", root first, the waiter's function in it.
if [ -s "$PROF.folded" ] && ! grep -qvE '^[^;]+(;[^;]+)* [0-9]+$' "$PROF.folded"; then
	pass "folded file: every line is frame;frame;... count"
else
	fail "folded file malformed or missing"; cat "$PROF.folded" >&2
fi
if grep -qE '(^|;)waiter_thread;\[lock contended_lock\] [0-9]+$' "$PROF.folded"; then
	pass "folded: waiter_thread waits for contended_lock"
else
	fail "folded: no waiter_thread;[lock contended_lock] line"; cat "$PROF.folded" >&2
fi
# Up to 3 waits of about 150 ms (a waiter descheduled past one of them on a loaded machine does not
# wait in that round): at least one, in microseconds.
total=$(awk '{s += $NF} END {print s + 0}' "$PROF.folded")
if [ "$total" -ge 100000 ]; then pass "folded total wait $total us >= 100000"; else fail "folded total wait $total us"; fi

# JSON: one object with the same numbers.
run --format=json --profile="$PROF" -- "$PROGS/profile_counts"
expect_log '"kind":"profile".*"name":"counted_lock","kind":"mutex","created_at":"[^"]*","acquisitions":1000,"read":0,"contended":0' "JSON profile object"

# Off: no file, no table.
rm -f "$PROF" "$PROF.folded"
run -- "$PROGS/profile_counts"
expect_status 0
expect_no_log "coffman: profile"
if [ ! -e "$PROF" ] && [ ! -e "$PROF.folded" ]; then pass "profiling off: no file"; else fail "profiling off wrote a file"; fi

# A symbolic link at PATH made by someone else is not followed (as for every file coffman writes).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	ln -s "$WORK/victim" "$WORK/planted"
	chown -h nobody "$WORK/planted" 2>/dev/null
	run --profile="$WORK/planted" -- "$PROGS/profile_counts"
	if [ ! -e "$WORK/victim" ]; then pass "untrusted symlink not followed"; else fail "wrote through an untrusted symlink"; fi
	expect_log "COFFMAN_PROFILE: cannot write .*planted: it is a symbolic link owned by uid" "says why"
fi

# The launcher refuses an empty path; the variable works like the option.
"$COFFMAN" --profile= -- true 2>"$WORK/err"
if [ $? -eq 2 ]; then pass "launcher refuses --profile="; else fail "launcher accepted --profile="; fi
COFFMAN_PROFILE="$PROF" run -- "$PROGS/profile_counts"
if [ -s "$PROF" ]; then pass "COFFMAN_PROFILE writes the file"; else fail "COFFMAN_PROFILE wrote nothing"; fi
finish
