#!/bin/bash
# The launcher installed under a path with a space or a colon (LD_PRELOAD is split at both, with no
# escape).  Copies of coffman and libcoffman.so in "My Tools" and in "a:b" still check the program: the
# printsum example's lock-order inversion is reported, exit 66; the library is preloaded through a link
# in a private directory ($XDG_RUNTIME_DIR/coffman, else $TMPDIR/coffman-UID), never through a directory
# another user could have prepared.  When no private link can be made, the launcher refuses (exit 2, one
# clear message) rather than run the program unchecked.  --watchdog=inf and =1e308 are refused like
# other bad values; the library warns about them in COFFMAN_WATCHDOG.
. "$top_srcdir/tests/lib.sh"
EXAMPLE="$top_builddir/examples/printsum"
UID_NOW=$(id -u)
mkdir -p "$WORK/tmp"

install_copy() {        # install_copy DIR: the launcher and the library side by side in DIR
	mkdir -p "$1"
	cp "$COFFMAN" "$1/coffman"
	cp "$top_builddir/.libs/libcoffman.so" "$1/libcoffman.so"
}

# checked_run DIR [env assignments...]: printsum under DIR/coffman; sets STATUS, output in $OUT
checked_run() {
	local dir=$1
	shift
	env -u XDG_RUNTIME_DIR -u COFFMAN_LIB TMPDIR="$WORK/tmp" "$@" timeout 30 "$dir/coffman" "$EXAMPLE" > "$OUT" 2>&1
	STATUS=$?
}

expect_checked() {
	if grep -E -q '^(==[0-9]+== )?coffman: lock-order-inversion: ' "$OUT"; then
		pass "$1: the inversion is reported"
	else
		fail "$1: no report: the program ran unchecked"; cat "$OUT" >&2
	fi
	if [ "$STATUS" -eq 66 ]; then pass "$1: exit status 66"; else fail "$1: exit status $STATUS, expected 66"; fi
}

for name in "My Tools" "a:b" "x :y"; do
	echo "---- installed in '$name'"
	install_copy "$WORK/opt/$name"
	checked_run "$WORK/opt/$name"
	expect_checked "'$name'"
	links=$(find "$WORK/tmp/coffman-$UID_NOW" -maxdepth 1 -type l -name 'libcoffman-*.so' 2>/dev/null | wc -l)
	if [ "$links" -ge 1 ]; then pass "preloaded through a link in \$TMPDIR/coffman-$UID_NOW"; else
		fail "no link in $WORK/tmp/coffman-$UID_NOW"; ls -la "$WORK/tmp" >&2; fi
done
n_before=$(find "$WORK/tmp/coffman-$UID_NOW" -maxdepth 1 -type l | wc -l)
checked_run "$WORK/opt/My Tools"
expect_checked "a second run"
n_after=$(find "$WORK/tmp/coffman-$UID_NOW" -maxdepth 1 -type l | wc -l)
if [ "$n_before" -eq "$n_after" ]; then pass "the second run reuses its link"; else
	fail "links: $n_before before, $n_after after the second run"; fi
mode=$(stat -c %a "$WORK/tmp/coffman-$UID_NOW")
if [ "$mode" = 700 ]; then pass "the link directory is private (700)"; else fail "link directory mode $mode"; fi

echo "---- \$XDG_RUNTIME_DIR is preferred"
mkdir -m 700 "$WORK/run"
checked_run "$WORK/opt/My Tools" XDG_RUNTIME_DIR="$WORK/run"
expect_checked "XDG_RUNTIME_DIR"
if ls "$WORK/run/coffman/"libcoffman-*.so > /dev/null 2>&1; then pass "link in \$XDG_RUNTIME_DIR/coffman"; else
	fail "no link in $WORK/run/coffman"; fi

echo "---- a link directory prepared by someone else (mode 777) is not used"
mkdir -p "$WORK/tmp2" && mkdir -m 777 "$WORK/tmp2/coffman-$UID_NOW" && chmod 777 "$WORK/tmp2/coffman-$UID_NOW"
checked_run "$WORK/opt/a:b" TMPDIR="$WORK/tmp2"
expect_checked "foreign directory"
if [ -z "$(ls -A "$WORK/tmp2/coffman-$UID_NOW")" ]; then pass "nothing written into the open directory"; else
	fail "wrote into the 777 directory:"; ls -la "$WORK/tmp2/coffman-$UID_NOW" >&2; fi
if ls -d "$WORK/tmp2/coffman."?????? > /dev/null 2>&1; then pass "a fresh private directory instead"; else
	fail "no fresh directory in $WORK/tmp2"; ls -la "$WORK/tmp2" >&2; fi

echo "---- no private directory possible: refused, not run unchecked"
checked_run "$WORK/opt/My Tools" TMPDIR=/proc/self
if [ "$STATUS" -eq 2 ]; then pass "exit status 2"; else fail "exit status $STATUS, expected 2"; cat "$OUT" >&2; fi
if grep -q "^coffman: .*libcoffman.so cannot be preloaded as it is: LD_PRELOAD splits paths at spaces and colons" "$OUT"; then
	pass "a message says why"; else fail "no message:"; cat "$OUT" >&2; fi
if grep -q "printsum" "$OUT"; then fail "the program ran"; else pass "the program did not run"; fi

echo "---- --watchdog=inf and =1e308 are refused"
for v in inf 1e308 nan; do
	"$COFFMAN" --watchdog=$v "$EXAMPLE" > "$OUT" 2>&1
	STATUS=$?
	if [ "$STATUS" -eq 2 ]; then pass "--watchdog=$v exits 2"; else fail "--watchdog=$v exits $STATUS, expected 2"; fi
	if grep -q -e "^coffman: bad value for --watchdog: '$v'" "$OUT"; then pass "the message names --watchdog=$v"; else
		fail "no message for --watchdog=$v:"; cat "$OUT" >&2; fi
	if grep -q "printsum" "$OUT"; then fail "the program ran"; else pass "the program did not run"; fi
	COFFMAN_WATCHDOG=$v LD_PRELOAD="$top_builddir/.libs/libcoffman.so" "$PROGS/clean" > "$OUT" 2>&1
	if grep -E -q "^(==[0-9]+== )?coffman: warning: COFFMAN_WATCHDOG=$v is not a number of seconds" "$OUT"; then
		pass "the library warns about COFFMAN_WATCHDOG=$v"; else fail "no warning for COFFMAN_WATCHDOG=$v:"; cat "$OUT" >&2; fi
done
"$COFFMAN" --watchdog=31536000 "$PROGS/clean" > "$OUT" 2>&1
STATUS=$?
if [ "$STATUS" -eq 0 ]; then pass "--watchdog=31536000 (a year) is accepted"; else fail "--watchdog=31536000 exits $STATUS"; cat "$OUT" >&2; fi
finish
