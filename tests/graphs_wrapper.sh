#!/bin/sh
# Locks made through a library's wrapper of pthread_mutex_init (as vlc_mutex_init, PR_NewLock or
# CRYPTO_THREAD_lock_new make every lock of their program): each is named by where the wrapper was
# called, in the report and in the graph files.  With one site for all of them, the report said
# "initialised in lib_mutex_init" for every lock, and the graph files saw one class, so the inversion
# split between `wrapper_locks ab` and `wrapper_locks ba` was a self-loop of that class: no cycle.
# --classes=site classes the wrapper's locks by caller in the live run as well.
# The library's own one-caller site (journal_new, 20 locks from one call) stays one class, its own: a
# library's constructor of its objects is the same class whoever calls it.
# The same with the wrapper linked into the program (wrapper_static), as Node.js links libuv's
# uv_mutex_init and C++ programs their own Mutex class: the report names the callers, the graph files
# have a class per caller and the cycle across processes.  A site in the program is probed for its
# callers at its first 256 inits only: with 300 journals, journal_new settles as one caller's site
# and its locks, probed or not, are one class.
. "$top_srcdir/tests/lib.sh"
LSRC="$top_srcdir/tests/progs/wrapper_lib.c"
PSRC="$top_srcdir/tests/progs/wrapper_locks.c"
WRAP=$(line_of "$LSRC" '/* wrapper: the one init */')
JNEW=$(line_of "$LSRC" '/* journal: its own init */')
ACCT=$(line_of "$PSRC" '/* wrapped: account */')
LEDG=$(line_of "$PSRC" '/* wrapped: ledger */')
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$WORK/libwrapper_lib.so" "$LSRC" 2> "$WORK/cc.err" ||
   ! ${CC:-cc} -g -O0 -pthread -o "$WORK/wrapper_locks" "$PSRC" -L"$WORK" -lwrapper_lib \
	-Wl,-rpath,"$WORK" -ldl 2>> "$WORK/cc.err" ||
   ! ${CC:-cc} -g -O0 -pthread -o "$WORK/wrapper_static" "$PSRC" "$LSRC" -ldl 2>> "$WORK/cc.err" ||
   ! ${CC:-cc} -g -O0 -pthread -o "$WORK/wrapper_unload" "$top_srcdir/tests/progs/wrapper_unload.c" -ldl \
	2>> "$WORK/cc.err"; then
	echo "cannot build the test programs:"; cat "$WORK/cc.err"; exit 77
fi
G="$top_builddir/coffman-graph"
class_keys() {
	python3 -c 'import json, glob, sys
keys = set()
for f in glob.glob(sys.argv[1] + "/*.graph.jsonl"):
    keys |= {json.loads(l)["key"] for l in open(f) if json.loads(l)["type"] == "class"}
print("\n".join(sorted(keys)))' "$1"
}

# In one process: the inversion, each lock with the wrapper and its caller.
run -- "$WORK/wrapper_locks" both
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "L[0-9]: mutex at 0x[0-9a-f]+, initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_account .*wrapper_locks\.c:$ACCT$" \
	"the account's lock: the wrapper and its caller make_account:$ACCT"
expect_log "L[0-9]: mutex at 0x[0-9a-f]+, initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_ledger .*wrapper_locks\.c:$LEDG$" \
	"the ledger's lock: the wrapper and its caller make_ledger:$LEDG"
expect_out '^wrapper_locks: both done$'

# With --classes=site the wrapper's locks are classes by caller too: the orders taken on two different
# accounts and ledgers make a cycle of two classes (with one class for all, each was an order between
# two instances of it, and there was nothing to report).
run --classes=site -- "$WORK/wrapper_locks" cross
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_log "cycle of 2 lock classes in 1 thread" "--classes=site: a cycle of two classes"
expect_log "L[0-9]: the class of locks initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_account .*wrapper_locks\.c:$ACCT \(instances seen" \
	"--classes=site: the account class, by the wrapper's caller"
expect_log "L[0-9]: the class of locks initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_ledger .*wrapper_locks\.c:$LEDG \(instances seen" \
	"--classes=site: the ledger class, by the wrapper's caller"
run -- "$WORK/wrapper_locks" cross
expect_status 0
expect_no_report

# The contention profile's table names the caller too; the library's own one-caller site does not.
run --profile="$WORK/prof.pb" -- "$WORK/wrapper_locks" both
expect_log "created at lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_account .*wrapper_locks\.c:$ACCT$" \
	"--profile: the account lock created at the wrapper, called from make_account"
expect_log "created at journal_new .*wrapper_lib\.c:$JNEW$" "--profile: a journal lock created at journal_new, no caller"

# The JSON report carries the caller too.
run --format=json -- "$WORK/wrapper_locks" both
if python3 - "$LOG" "$ACCT" "$LEDG" <<'PY'
import json, sys
reps = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
inv = [r for r in reps if r.get("kind") == "lock-order-inversion"]
assert len(inv) == 1, reps
callers = sorted((l["created"]["caller"]["function"], l["created"]["caller"]["line"]) for l in inv[0]["locks"])
assert callers == sorted([("make_account", int(sys.argv[2])), ("make_ledger", int(sys.argv[3]))]), callers
PY
then pass "JSON: created.caller names make_account and make_ledger"; else fail "JSON: created.caller"; fi

# Across two processes: two classes, one per caller, and the cycle between them.
run --graph-dir="$WORK/graphs" -- "$WORK/wrapper_locks" ab
expect_status 0
expect_no_report
run --graph-dir="$WORK/graphs" -- "$WORK/wrapper_locks" ba
expect_status 0
expect_no_report
class_keys "$WORK/graphs" > "$WORK/keys"
printf '%s\n' "site journal_new wrapper_lib.c:$JNEW" "site make_account wrapper_locks.c:$ACCT" \
	"site make_ledger wrapper_locks.c:$LEDG" > "$WORK/want"
if cmp -s "$WORK/keys" "$WORK/want"; then pass "classes: one per caller of the wrapper, the journals' own site"; else
	fail "classes:"; cat "$WORK/keys" >&2; fi

# A class whose identity was resolved before the wrapper had its second caller (every dlclose resolves
# the classes seen so far): the account's class is still make_account's, decided when the file is
# written, not "site lib_mutex_init" as at the dlclose.
run --graph-dir="$WORK/late" -- "$WORK/wrapper_locks" late
expect_status 0
expect_no_report
expect_out '^wrapper_locks: late done$'
class_keys "$WORK/late" > "$WORK/keys.late"
if cmp -s "$WORK/keys.late" "$WORK/want"; then pass "late: the account's class is its caller's, named after the dlclose"; else
	fail "late: classes:"; cat "$WORK/keys.late" >&2; fi

# The wrapper's library unloaded before the file is written (its sites are forgotten then): the
# classes are still its callers', as they were when it went.
USRC="$top_srcdir/tests/progs/wrapper_unload.c"
run --graph-dir="$WORK/unload" -- "$WORK/wrapper_unload" "$WORK/libwrapper_lib.so"
expect_status 0
expect_no_report
expect_out '^wrapper_unload: done$'
class_keys "$WORK/unload" > "$WORK/keys.unload"
printf '%s\n' "site make_account wrapper_unload.c:$(line_of "$USRC" '/* unload: account */')" \
	"site make_ledger wrapper_unload.c:$(line_of "$USRC" '/* unload: ledger */')" > "$WORK/want.unload"
if cmp -s "$WORK/keys.unload" "$WORK/want.unload"; then pass "unload: the callers' classes, the library gone"; else
	fail "unload: classes:"; cat "$WORK/keys.unload" >&2; fi

# The wrapper in the program itself.
run -- "$WORK/wrapper_static" both
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "L[0-9]: mutex at 0x[0-9a-f]+, initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_account .*wrapper_locks\.c:$ACCT$" \
	"in the program: the account's lock, the wrapper and its caller make_account:$ACCT"
expect_log "L[0-9]: mutex at 0x[0-9a-f]+, initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_ledger .*wrapper_locks\.c:$LEDG$" \
	"in the program: the ledger's lock, the wrapper and its caller make_ledger:$LEDG"
WRAPPER_JOURNALS=300 run --graph-dir="$WORK/static" -- "$WORK/wrapper_static" ab
expect_status 0
expect_no_report
run --graph-dir="$WORK/static" -- "$WORK/wrapper_static" ba
expect_status 0
expect_no_report
class_keys "$WORK/static" > "$WORK/keys.static"
if cmp -s "$WORK/keys.static" "$WORK/want"; then pass "in the program: one class per caller, the journals' own site (300: settled)"; else
	fail "in the program: classes:"; cat "$WORK/keys.static" >&2; fi
if python3 - "$WORK/static" "$JNEW" "$ACCT" "$LEDG" <<'PY'
import json, glob, sys
# The 300-journal process: journal 0 (probed, its caller known) before the account, the last journal
# (settled, no caller) before the ledger: both edges out of the one journal class.
jnew, acct, ledg = sys.argv[2:5]
for f in glob.glob(sys.argv[1] + "/*.graph.jsonl"):
    lines = [json.loads(l) for l in open(f)]
    ids = {l["id"]: l["key"] for l in lines if l["type"] == "class"}
    outs = sorted(ids[l["to"]] for l in lines
                  if l["type"] == "edge" and ids[l["from"]] == "site journal_new wrapper_lib.c:" + jnew)
    if outs:
        assert outs == ["site make_account wrapper_locks.c:" + acct, "site make_ledger wrapper_locks.c:" + ledg], outs
        sys.exit(0)
sys.exit(1)
PY
then pass "in the program: the probed and the settled journals' edges, one class"; else fail "in the program: the journal class's edges"; fi
"$G" cycles "$WORK/static" > "$WORK/cycles.static.txt"
s=$?
[ $s -eq 66 ] && pass "in the program: coffman-graph cycles exit 66" || fail "in the program: coffman-graph cycles: exit $s"
grep -q "cycle of 2 lock classes across 2 processes" "$WORK/cycles.static.txt" && pass "in the program: the split inversion is found" ||
	{ fail "in the program: no cycle across processes"; cat "$WORK/cycles.static.txt" >&2; }

"$G" cycles "$WORK/graphs" > "$WORK/cycles.txt"
s=$?
[ $s -eq 66 ] && pass "coffman-graph cycles: exit 66" || fail "coffman-graph cycles: exit $s"
LOG="$WORK/cycles.txt"
expect_log "cycle of 2 lock classes across 2 processes" "the split inversion is found"
expect_log "L[0-9]: the class of mutexes initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_account .*wrapper_locks\.c:$ACCT \[class site make_account wrapper_locks\.c:$ACCT\]" \
	"its class make_account, made through lib_mutex_init"
expect_log "L[0-9]: the class of mutexes initialised in lib_mutex_init .*wrapper_lib\.c:$WRAP, called from make_ledger .*wrapper_locks\.c:$LEDG \[class site make_ledger wrapper_locks\.c:$LEDG\]" \
	"its class make_ledger, made through lib_mutex_init"
"$G" cycles --format=json "$WORK/graphs" > "$WORK/cycles.json"
if python3 - "$WORK/cycles.json" <<'PY'
import json, sys
cyc = [json.loads(l) for l in open(sys.argv[1])]
locks = [l for c in cyc if c["kind"] == "lock-order-inversion" for l in c["locks"]]
got = sorted((l["created"]["frame"]["function"], l["created"]["caller"]["function"]) for l in locks)
assert got == [("lib_mutex_init", "make_account"), ("lib_mutex_init", "make_ledger")], got
PY
then pass "coffman-graph JSON: created.frame is the wrapper, created.caller its caller"; else
	fail "coffman-graph JSON: created"; fi
finish
