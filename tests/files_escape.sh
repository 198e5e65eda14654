#!/bin/sh
# Issue 9, item 15: names that come from the program never reach a terminal raw.  Thread names with
# ESC sequences (clear screen, set the window title), an executable whose file name holds an ESC
# sequence, and a setting's value with one: the text report shows each control byte as \xNN and holds
# no raw control character; the JSON report escapes them as \u00XX.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read JSON"; exit 77; }
ESC=$(printf '\033')

# no_raw_controls FILE: no byte below 0x20 except newline, and no DEL, in FILE
no_raw_controls() {
	if python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
bad = sorted(set(b for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f))
assert not bad, ["0x%02x" % b for b in bad]' "$1" 2> "$WORK/py.err"; then pass "$2: no raw control character"; else
		fail "$2: raw control characters:"; cat "$WORK/py.err" >&2; show; fi
}

# ---- thread names, text
run -- "$PROGS/files_names"
expect_status 66
expect_kind lock-order-inversion
expect_log 'T[0-9] \(tid [0-9]+, "\\x1b\[2J\\x1b\[31mred"\) locks L[0-9]' 'the first name escaped: "\x1b[2J\x1b[31mred"'
expect_log 'T[0-9] \(tid [0-9]+, "\\x1b\]0;pwned\\x07x"\) locks L[0-9]' 'the second name escaped: "\x1b]0;pwned\x07x"'
no_raw_controls "$LOG" "thread names"

# ---- thread names, JSON
run --format=json -- "$PROGS/files_names"
expect_status 66
no_raw_controls "$LOG" "thread names in JSON"
if python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]
names = sorted(t["name"] for t in r["threads"])
assert names == sorted(["\x1b[2J\x1b[31mred", "\x1b]0;pwned\x07x"]), names' "$LOG" 2> "$WORK/py.err"; then
	pass "JSON: the names decode to the exact bytes"; else fail "JSON names:"; cat "$WORK/py.err" >&2; fi
expect_log '"name":"\\u001b\[2J\\u001b\[31mred"' 'JSON: ESC written as \u001b'

# ---- an executable whose file name carries an ESC sequence (the object name in every frame)
EVIL="$WORK/prog${ESC}[31m"
cp "$PROGS/rep_double_unlock" "$EVIL"
run -- "$EVIL"
expect_status 66
expect_log '#0 0x[0-9a-f]+ bump_and_release_twice .*rep_double_unlock\.c:[0-9]+ \(prog\\x1b\[31m\)' "the object name escaped: (prog\\x1b[31m)"
no_raw_controls "$LOG" "object name"

# ---- a setting's value in a warning
COFFMAN_FORMAT="${ESC}[31mxml" run -- "$PROGS/status" 7
expect_status 7
expect_log '^==[0-9]+== coffman: warning: COFFMAN_FORMAT=\\x1b\[31mxml is not text or json; using text$' "the value in the warning escaped"
no_raw_controls "$LOG" "warning"
finish
