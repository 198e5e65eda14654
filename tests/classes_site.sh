#!/bin/sh
# Lock classes (--classes=site): every report says what its cycle is made of.  tests/progs/classes_site
# has accounts and ledgers whose mutexes are initialised in their constructors (one class each).
#   - one object's lock taken before another's of the same class, then the other way round: a cycle
#     between instances of one class (with classes, this was a self-loop of the class and unseen)
#   - a cycle between two classes made on different instances, and one made on the same instances
#   - the single-threaded ones say so; the two-threaded ones do not
#   - a consistent order between instances (address order) is clean, and so is the reverse order on
#     new locks in the memory of two destroyed instances (their order went with them)
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/classes_site.c"
ACC_INIT=$(line_of "$SRC" '/* classes: account class */')
LED_INIT=$(line_of "$SRC" '/* classes: ledger class */')
T_HOLD=$(line_of "$SRC" '/* classes: transfer holds from */')
T_TAKE=$(line_of "$SRC" '/* classes: transfer takes to */')
P_TAKE=$(line_of "$SRC" '/* classes: post takes ledger */')
A_TAKE=$(line_of "$SRC" '/* classes: audit takes account */')
X='0x[0-9a-f]+'
P='^(==[0-9]+== )?'
ONE_THREAD='(both edges come|all [0-9]+ edges come) from one thread, T[0-9]+, so this run could not deadlock on them; it can deadlock when these [0-9]+ code paths run in different threads at the same time'

# --- instances of one class, one thread: transfer(a, b) then transfer(b, a)
run --classes=site -- "$PROGS/classes_site" same-class-one-thread
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 2 instances of one lock class in 1 thread$" \
	"labelled: 2 instances of one lock class, 1 thread"
expect_log "${P}  a cycle between instances of one lock class \(--classes=site: all initialised at the same place\): these objects are locked in both orders; $ONE_THREAD$" \
	"note: instances of one class, single-threaded"
expect_log "${P}  L1: mutex at $X, initialised in account_new .*classes_site\.c:$ACC_INIT$" "L1 is an account, initialised in account_new"
expect_log "${P}  L2: mutex at $X, initialised in account_new .*classes_site\.c:$ACC_INIT$" "L2 is another account"
expect_log "${P}    #0 $X transfer .*classes_site\.c:$T_TAKE \(classes_site\)$" "edge in transfer at line $T_TAKE"
expect_log "${P}      #0 $X transfer .*classes_site\.c:$T_HOLD \(classes_site\)$" "held since transfer line $T_HOLD"
expect_no_log "edge 2: T2"

# the same program without classes: the same cycle, named as plain locks
run -- "$PROGS/classes_site" same-class-one-thread
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 2 locks in 1 thread$" "without classes: 2 locks"
expect_no_log "lock class|instance"

# --- instances of one class, two threads
run --classes=site -- "$PROGS/classes_site" same-class-two-threads
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 2 instances of one lock class in 2 threads$" \
	"labelled: 2 instances of one lock class, 2 threads"
expect_log "${P}  a cycle between instances of one lock class \(--classes=site: all initialised at the same place\): these objects are locked in both orders$" \
	"note: instances of one class, nothing about one thread"
expect_log "${P}  edge [12]: T2 \(tid [0-9]+\) locks L[12] while holding L[12]:$" "one edge is T2's"

# --- two classes, one thread, different instances (post(acc0, led0); audit(led1, acc1))
run --classes=site -- "$PROGS/classes_site" classes-one-thread
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 2 lock classes in 1 thread$" "labelled: 2 lock classes, 1 thread"
expect_log "${P}  a cycle between lock classes \(--classes=site\), made on different instances \(L[12]: 2 seen\): a deadlock only if one object's locks can be taken in both orders; $ONE_THREAD$" \
	"note: classes, different instances, single-threaded"
expect_log "${P}  L[12]: the class of locks initialised in account_new .*classes_site\.c:$ACC_INIT \(instances seen: $X, $X\)$" "the account class, 2 instances"
expect_log "${P}  L[12]: the class of locks initialised in ledger_new .*classes_site\.c:$LED_INIT \(instances seen: $X, $X\)$" "the ledger class, 2 instances"
expect_log "${P}  edge [12]: T1 \(tid [0-9]+\) locks L[12] \(instance $X\) while holding L[12] \(instance $X\):$" "each edge names its instances"
expect_log "${P}    #0 $X post .*classes_site\.c:$P_TAKE \(classes_site\)$" "edge in post"
expect_log "${P}    #0 $X audit .*classes_site\.c:$A_TAKE \(classes_site\)$" "edge in audit"
# the instances of the two edges differ: that is what "different instances" means
INST=$(grep -E "edge [12]: T1" "$LOG" | grep -o -E 'instance 0x[0-9a-f]+' | sort -u | wc -l)
if [ "$INST" -eq 4 ]; then pass "4 distinct instances on the 2 edges"; else fail "$INST distinct instances on the 2 edges, expected 4"; fi

# --- two classes, two threads, the same instances: a real inversion on two objects
run --classes=site -- "$PROGS/classes_site" classes-two-threads
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 2 lock classes in 2 threads$" "labelled: 2 lock classes, 2 threads"
expect_log "${P}  a cycle between lock classes \(--classes=site\), made on one instance of each: these objects are locked in both orders$" \
	"note: classes, one instance each, nothing about one thread"
expect_log "\(instances seen: $X\)$" "one instance per class"

# --- a plain lock and a class
run --classes=site -- "$PROGS/classes_site" mixed
expect_count lock-order-inversion 1
expect_status 66
expect_log "${P}coffman: lock-order-inversion: potential deadlock: cycle of 1 lock class and 1 lock in 1 thread$" "labelled: 1 lock class and 1 lock"
expect_log "${P}  a cycle through a lock class \(--classes=site\), made on different instances \(L2: 2 seen\): .*; $ONE_THREAD$" "note: through a class, different instances"
expect_log "${P}  cycle: L1 'bank_lock' -> L2 -> L1 'bank_lock'$" "the plain lock keeps its name"

# --- JSON carries the instances
run --classes=site --format=json -- "$PROGS/classes_site" classes-one-thread
expect_status 66
if python3 - "$LOG" <<'PY'
import json, sys
r = next(json.loads(l) for l in open(sys.argv[1]) if '"lock-order-inversion"' in l)
assert r["summary"] == "potential deadlock: cycle of 2 lock classes in 1 thread", r["summary"]
assert "made on different instances" in r["note"], r["note"]
for l in r["locks"]:
    assert l["type"] == "lock class" and len(l["instances"]) == 2, l
insts = {i for l in r["locks"] for i in l["instances"]}
for e in r["edges"]:
    assert e["from_instance"] in insts and e["to_instance"] in insts, e
assert len({e["from_instance"] for e in r["edges"]} | {e["to_instance"] for e in r["edges"]}) == 4, r["edges"]
print("JSON: lock classes list their instances, each edge names the two it used")
PY
then pass "JSON instances"; else fail "JSON instances"; show; fi

# --- clean: instances always locked in address order
run --classes=site -- "$PROGS/classes_site" hierarchy
expect_no_report
expect_status 0
expect_out '^classes_site: hierarchy done$'

run --classes=site -- "$PROGS/classes_site" recycled
expect_no_report
expect_status 0
expect_out '^classes_site: recycled done$'
grep -q 'reused the other way round: yes' "$OUT" || echo "note: the allocator did not reuse the memory; the recycled check proves little here"
finish
