#!/bin/sh
# Frames in a library without debug info.  tests/progs/frames_plugin.c is built here with -g (kept
# aside, like a -dbgsym package) and copied stripped of all but its exported symbols (like a
# distribution's library); api_dlopen loads the stripped copy, whose ledger_post takes two locks in
# both orders from two threads.  Each frame must say what is known — the exported function as
# symbol+0xN and the object as libframes.so+0xN — never "??" with a made-up line 0; and the printed
# offset, given to addr2line with the unstripped copy, must name the right source line.
. "$top_srcdir/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
PSRC="$top_srcdir/tests/progs/frames_plugin.c"
L_INIT_J=$(line_of "$PSRC" '/* frames: init journal */')
L_INIT_B=$(line_of "$PSRC" '/* frames: init balance */')
L_FIRST=$(line_of "$PSRC" '/* frames: first lock */')
L_SECOND=$(line_of "$PSRC" '/* frames: second lock */')
L_THREAD=$(line_of "$PSRC" '/* frames: thread posts backwards */')
for tool in strip addr2line nm python3; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is needed"; exit 77; }
done
DEBUG_SO="$WORK/debug/libframes.so"     # the build with debug info, kept aside
SO="$WORK/libframes.so"                 # what runs: stripped
mkdir -p "$WORK/debug"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$DEBUG_SO" "$PSRC" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
cp "$DEBUG_SO" "$SO" && strip --strip-all "$SO" || { echo "SKIP: cannot strip the plugin"; exit 77; }
if nm "$SO" >/dev/null 2>&1 && nm "$SO" 2>&1 | grep -q -v 'no symbols'; then
	fail "the stripped plugin still has a symbol table"
fi

# offset_of REGEX: the libframes.so+0xN offset of the first log line matching REGEX
offset_of() {
	grep -E -m1 -- "$1" "$LOG" | sed -E 's/.*\(libframes\.so\+(0x[0-9a-f]+)\)$/\1/'
}
# expect_source OFFSET LINE what: addr2line on the debug build names frames_plugin.c:LINE
expect_source() {
	local where
	where=$(addr2line -e "$DEBUG_SO" "$1" | sed -E 's/ \(discriminator [0-9]+\)$//')
	case "$where" in
	*/frames_plugin.c:"$2") pass "$3: addr2line -e libframes.so $1 = frames_plugin.c:$2" ;;
	*) fail "$3: addr2line -e libframes.so $1 = '$where', expected frames_plugin.c:$2" ;;
	esac
}

# --- text
run -- "$PROGS/api_dlopen" "$SO"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_out '^api_dlopen: plugin_run returned 2$'
X='0x[0-9a-f]+'
P='^(==[0-9]+== )?'       # the log's pid prefix
expect_log "$P  edge [12]: T1 .* locks L[12] while holding L[12]:$" "edge of the main thread"
expect_log "$P    #0 $X ledger_post\+$X \(libframes\.so\+$X\)$" "the edge's frame: exported symbol + offset, object + offset"
expect_log "$P      #0 $X ledger_post\+$X \(libframes\.so\+$X\)$" "the held lock's frame: exported symbol + offset, object + offset"
expect_log "$P    #1 $X plugin_run\+$X \(libframes\.so\+$X\)$" "the caller, another exported function"
expect_log "$P    #2 $X main .*api_dlopen\.c:[0-9]+ \(api_dlopen\)$" "the host's main keeps file:line"
expect_log "$P    #1 $X \?\? \(libframes\.so\+$X\)$" "a static function without a name still has its object offset"
expect_log "$P  L1: mutex at $X, initialised in ledger_open\+$X \(libframes\.so\+$X\)$" "L1's creation site: symbol + offset, object + offset"
expect_log "$P  L2: mutex at $X, initialised in ledger_open\+$X \(libframes\.so\+$X\)$" "L2's creation site"
expect_no_log ':0([ )]|$)' 
expect_no_log '\?\? libframes'

# The offsets lead back to the source with the debug build, like a -dbgsym package would.
EDGE=$(offset_of "$P    #0 $X ledger_post")
HELD=$(offset_of "$P      #0 $X ledger_post")
ANON=$(offset_of "$P    #1 $X \?\? ")
INIT1=$(offset_of "$P  L1: mutex")
INIT2=$(offset_of "$P  L2: mutex")
expect_source "$EDGE" "$L_SECOND" "the edge"
expect_source "$HELD" "$L_FIRST" "the held lock"
expect_source "$ANON" "$L_THREAD" "the unnamed frame"
INITS=$(printf '%s\n' "$(addr2line -e "$DEBUG_SO" "$INIT1")" "$(addr2line -e "$DEBUG_SO" "$INIT2")" \
	| sed -E 's/.*:([0-9]+).*/\1/' | sort -n | tr '\n' ' ')
if [ "$INITS" = "$L_INIT_J $L_INIT_B " ]; then pass "the locks' creation offsets are lines $INITS";
else fail "the locks' creation offsets are lines '$INITS', expected $L_INIT_J $L_INIT_B"; fi
# symbol+0xN and object+0xN agree: the symbol's value (nm -D) plus N is the object offset.
SYMOFF=$(grep -E -m1 "$P    #0 $X ledger_post" "$LOG" | sed -E 's/.*ledger_post\+(0x[0-9a-f]+) .*/\1/')
SYMVAL=$(nm -D --defined-only "$SO" | awk '$3 == "ledger_post" { print "0x" $1 }')
if [ -n "$SYMVAL" ] && [ $((SYMVAL + SYMOFF)) -eq $((EDGE)) ]; then pass "ledger_post ($SYMVAL) + $SYMOFF = $EDGE";
else fail "ledger_post ($SYMVAL) + $SYMOFF != $EDGE"; fi

# --- JSON: the same facts as fields
run --format=json -- "$PROGS/api_dlopen" "$SO"
expect_status 66
if python3 - "$LOG" "$SO" "$EDGE" <<'PY'
import json, sys
log, so, edge_offset = sys.argv[1], sys.argv[2], sys.argv[3]
r = next(json.loads(l) for l in open(log) if '"lock-order-inversion"' in l)
frames = [f for e in r["edges"] for f in e["stack"] + e["held_stack"]]
frames += [l["created"]["frame"] for l in r["locks"]]
ours = [f for f in frames if f["object"] == "libframes.so"]
assert ours, frames
for f in ours:
    assert f["file"] is None and f["line"] is None, f
    assert f["object_path"] == so, f
    assert f["offset"].startswith("0x") and int(f["offset"], 16) > 0, f
    if f["function"] is None:
        assert f["function_offset"] is None, f
    else:
        assert f["function_offset"].startswith("0x"), f
post = [f for f in ours if f["function"] == "ledger_post"]
assert post and edge_offset in [f["offset"] for f in post], (edge_offset, post)
assert [f for f in ours if f["function"] == "ledger_open"], ours
main = [f for f in frames if f["function"] == "main"]
assert main and main[0]["line"] > 0 and main[0]["offset"].startswith("0x"), main
print("JSON frames carry object, object_path, offset, function_offset; line null, never 0")
PY
then pass "JSON frame fields"; else fail "JSON frame fields"; show; fi

# --- SARIF: a frame without a source file is the object and the address in it
run --sarif="$WORK/out.sarif" -- "$PROGS/api_dlopen" "$SO"
expect_status 66
if python3 - "$WORK/out.sarif" "$SO" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
so = sys.argv[2]
res = doc["runs"][0]["results"]
assert len(res) == 1, res
locs = res[0]["locations"] + res[0]["relatedLocations"]
addr = [l for l in locs if "address" in l.get("physicalLocation", {})]
assert addr, locs
for l in addr:
    p = l["physicalLocation"]
    assert p["artifactLocation"]["uri"] == "file://" + so, p
    assert "region" not in p, p
    a = p["address"]
    assert a["kind"] == "instruction" and a["fullyQualifiedName"] == "libframes.so+0x%x" % a["relativeAddress"], a
names = [l["physicalLocation"]["address"].get("name", "") for l in addr]
assert any(n.startswith("ledger_post+0x") for n in names), names
assert any(l["logicalLocations"][0]["name"] == "ledger_post" for l in addr), addr
print("SARIF: object uri + address (relativeAddress = the object offset), ledger_post+0xN")
PY
then pass "SARIF address locations"; else fail "SARIF address locations"; cat "$WORK/out.sarif" >&2; fi

# --- without libcoffman-deps.so (no libdw): the dynamic linker still gives symbol and offset
mkdir -p "$WORK/nodeps"
cp "$top_builddir/.libs/libcoffman.so" "$WORK/nodeps/"
COFFMAN_LOG="$LOG" LD_PRELOAD="$WORK/nodeps/libcoffman.so" "$PROGS/api_dlopen" "$SO" > "$OUT" 2>&1
STATUS=$?
expect_status 66
expect_log "$P      #0 $X ledger_post\+$X \(libframes\.so\+$X\)$" "without libdw: the held lock's frame as symbol + offset"
expect_log "$P  L1: mutex at $X, initialised in ledger_open\+$X \(libframes\.so\+$X\)$" "without libdw: the creation site"
HELD2=$(offset_of "$P      #0 $X ledger_post")
expect_source "$HELD2" "$L_FIRST" "without libdw, the held lock"
finish
