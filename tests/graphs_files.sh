#!/bin/sh
# Graph files are written whole and never collide: 50 processes writing into one directory at once,
# read meanwhile, give 50 complete files and no leftover; a file is written before an exec, when a
# fatal signal kills the process (its handler is seen as the default disposition), and when a fatal report ends it; a process without lock-order edges
# writes none; a directory that is somebody else's symbolic link is not followed.
. "$top_srcdir/tests/lib.sh"
G="$top_builddir/coffman-graph"
P="$PROGS/graph_locks"

# reasons DIR: the sorted "reason" of every graph file in DIR
reasons() {
	python3 -c 'import json, sys
print(" ".join(sorted(json.loads(open(f).readlines()[1])["reason"] for f in sys.argv[1:])))' "$1"/*.graph.jsonl
}

# ---- 50 at once, with a reader merging the directory meanwhile
D="$WORK/many"
mkdir "$D"
pids=""
i=0
while [ $i -lt 50 ]; do
	"$COFFMAN" --graph-dir="$D" -- "$P" ab pause > /dev/null 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
reads=0
while [ $reads -lt 10 ]; do
	"$G" merge -o "$WORK/snapshot.jsonl" "$D" 2>> "$WORK/reader.err"
	reads=$((reads + 1))
done
wait $pids
if [ -s "$WORK/reader.err" ]; then fail "a reader saw a bad file:"; cat "$WORK/reader.err" >&2; else
	pass "a reader never saw half a file"; fi
n=$(ls "$D" | grep -c '\.graph\.jsonl$')
if [ "$n" -eq 50 ]; then pass "50 files from 50 processes"; else fail "$n files from 50 processes"; ls -la "$D" >&2; fi
if ls -A "$D" | grep -q '^\.'; then fail "temporary files left:"; ls -A "$D" >&2; else pass "no temporary file left"; fi
"$G" merge -o "$WORK/all.jsonl" "$D"
python3 - "$WORK/all.jsonl" <<'PY' && pass "merged: lock_a -> lock_b made 50 times by 50 processes" || fail "merged counts wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
key = {l["id"]: l["key"] for l in lines if l["type"] == "class"}
edges = [l for l in lines if l["type"] == "edge"]
assert len([l for l in lines if l["type"] == "process"]) == 50
e = [e for e in edges if key[e["from"]] == "static graph_locks:lock_a" and key[e["to"]] == "static graph_locks:lock_b"]
assert len(e) == 1 and e[0]["count"] == 50 and e[0]["processes"] == 50, e
PY

# ---- exec: the image that execs writes its file first; the new image writes its own
run --graph-dir="$WORK/exec" -- "$P" ab exec
expect_status 0
r=$(reasons "$WORK/exec")
if [ "$r" = "exec exit" ]; then pass "files written at exec and at exit"; else fail "reasons '$r', expected 'exec exit'"; fi

# ---- a fatal signal: the default action still happens, after the file is written
run --graph-dir="$WORK/term" -- "$P" ab term
expect_status 143
r=$(reasons "$WORK/term")
if [ "$r" = "signal 15" ]; then pass "file written at SIGTERM"; else fail "reasons '$r', expected 'signal 15'"; fi

# ---- the handler stands in for the default and is seen as the default: Python installs its
# KeyboardInterrupt handler only where SIGINT's is SIG_DFL; code that saves a disposition and gives it
# back must not lose the file
run --graph-dir="$WORK/disp" -- "$P" ab disp
expect_status 0
if grep -qx "SIGINT default default SIGTERM default default" "$OUT"; then pass "the default is seen as the default"
else fail "dispositions: $(cat "$OUT")"; fi
run --graph-dir="$WORK/restore" -- "$P" ab restore term
expect_status 143
r=$(reasons "$WORK/restore")
if [ "$r" = "signal 15" ]; then pass "file written at SIGTERM after the program gave the default back"
else fail "reasons '$r', expected 'signal 15'"; fi
run -- "$P" disp
if grep -qx "SIGINT default default SIGTERM default default" "$OUT"; then pass "without --graph-dir too"
else fail "dispositions without --graph-dir: $(cat "$OUT")"; fi

# ---- a fatal report ends the process
run --graph-dir="$WORK/double" -- "$P" ab double
expect_kind double-lock
expect_status 66
r=$(reasons "$WORK/double")
if [ "$r" = "fatal-report" ]; then pass "file written at the fatal report"; else fail "reasons '$r', expected 'fatal-report'"; fi

# ---- no edge, no file
run --graph-dir="$WORK/none" -- "$P" pause
expect_status 0
if [ -z "$(ls -A "$WORK/none")" ]; then pass "no file without edges"; else fail "files without edges:"; ls -A "$WORK/none" >&2; fi

# ---- somebody else's symbolic link as the directory
if [ "$(id -u)" -eq 0 ] && id nobody > /dev/null 2>&1; then
	mkdir "$WORK/elsewhere"
	ln -s "$WORK/elsewhere" "$WORK/planted"
	chown -h nobody "$WORK/planted"
	COFFMAN_GRAPH_DIR="$WORK/planted" run -- "$P" ab
	expect_status 0
	expect_log "COFFMAN_GRAPH_DIR=.*symbolic link owned by uid [0-9]+, not followed" "the planted link is refused"
	if [ -z "$(ls -A "$WORK/elsewhere")" ]; then pass "nothing written through it"; else fail "written through a planted link"; fi
else
	echo "skipped: the planted-link check needs root and a 'nobody' user"
fi

# ---- the launcher: --graph-dir in --help, a relative DIR made absolute and created
"$COFFMAN" --help | grep -q -e "--graph-dir=DIR" && pass "--help lists --graph-dir" || fail "--help lacks --graph-dir"
mkdir "$WORK/cwd"
(cd "$WORK/cwd" && "$COFFMAN" --graph-dir=rel/graphs -- "$P" ab) > /dev/null 2>&1
n=$(ls "$WORK/cwd/rel/graphs" 2>/dev/null | grep -c '\.graph\.jsonl$')
[ "$n" -eq 1 ] && pass "a relative --graph-dir, created with its parent" || fail "$n files under rel/graphs"
"$top_builddir/coffman-graph" --help | grep -q "^  cycles" && pass "coffman-graph --help" || fail "coffman-graph --help"
"$top_builddir/coffman-graph" bogus "$WORK" > /dev/null 2>&1
s=$?
[ $s -eq 2 ] && pass "coffman-graph: an unknown command exits 2" || fail "unknown command exits $s"
finish
