#!/bin/sh
# One report per bug, not per instance.  20 connection objects, each with a mutex of its own; one code
# path (bus_set_data: bus -> bus_datas -> connection; connection_dispatch: connection -> bus) makes the
# same 3-lock cycle for each, in one thread — the pattern libdbus's tests showed 63 times.  The cycles
# differ (each has another connection's lock) but their edges come from the same acquisition sites:
# one report, and the exit summary, the JSON summary and SARIF count 20 instances.  --all-instances
# (COFFMAN_ALL_INSTANCES=1) reports each of them.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/misuse_cycles.c"
DATAS=$(line_of "$SRC" 'pthread_mutex_lock(&bus_datas); /* instances: datas */')
CONN=$(line_of "$SRC" 'pthread_mutex_lock(&c->lock); /* instances: connection */')
TAKES_BUS=$(line_of "$SRC" 'pthread_mutex_lock(&bus_lock); /* instances: dispatch takes bus */')
INIT=$(line_of "$SRC" 'pthread_mutex_init(&conns[i].lock, NULL); /* instances: init */')

run -- "$PROGS/misuse_cycles" instances 20
expect_status 66
expect_out '^misuse_cycles instances: work=20$'
expect_count lock-order-inversion 1
expect_log "coffman: lock-order-inversion: potential deadlock: cycle of 3 locks in 1 thread$" "one 3-lock cycle"
expect_log "cycle: L1 'bus_lock' -> L2 'bus_datas' -> L3 -> L1 'bus_lock'$" "cycle bus_lock -> bus_datas -> a connection"
expect_log "L3: mutex at 0x[0-9a-f]+, initialised in instances .*misuse_cycles\.c:$INIT$" "the connection's lock, initialised :$INIT"
expect_log "#0 0x[0-9a-f]+ bus_set_data .*misuse_cycles\.c:$CONN " "edge bus_datas -> connection at :$CONN"
expect_log "#0 0x[0-9a-f]+ connection_dispatch .*misuse_cycles\.c:$TAKES_BUS " "edge connection -> bus at :$TAKES_BUS"
expect_log "summary: lock-order-inversion 1," "summary counts 1 report"
expect_log "coffman: summary: lock-order-inversion at bus_set_data .*misuse_cycles\.c:$DATAS: 20 instances, 1 reported \(potential deadlock: cycle of 3 locks in 1 thread\); --all-instances reports each$" \
	"summary: 20 instances at bus_set_data :$DATAS, 1 reported"

# a single instance: no instance line
run -- "$PROGS/misuse_cycles" instances 1
expect_count lock-order-inversion 1
expect_no_log "summary: lock-order-inversion at .*instances"

# every instance, from the launcher's option and from the variable
run --all-instances -- "$PROGS/misuse_cycles" instances 20
expect_status 66
expect_count lock-order-inversion 20
expect_log "summary: lock-order-inversion 20," "summary counts 20 reports"
expect_log "coffman: summary: lock-order-inversion at bus_set_data .*misuse_cycles\.c:$DATAS: 20 instances, each reported" \
	"summary: 20 instances, each reported"
COFFMAN_ALL_INSTANCES=1 run -- "$PROGS/misuse_cycles" instances 20
expect_count lock-order-inversion 20

# JSON: one report, and the summary object counts the instances
run --format=json -- "$PROGS/misuse_cycles" instances 20
expect_status 66
if python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [l["kind"] for l in lines] == ["lock-order-inversion", "summary"], [l["kind"] for l in lines]
inst = lines[1]["instances"]
assert len(inst) == 1, inst
i = inst[0]
assert i["kind"] == "lock-order-inversion" and i["count"] == 20 and i["reported"] == 1, i
assert i["at"].startswith("bus_set_data ") and i["at"].endswith("misuse_cycles.c:" + sys.argv[2]), i["at"]
assert "cycle of 3 locks in 1 thread" in i["summary"], i
' "$LOG" "$DATAS" > "$WORK/check.out" 2>&1; then pass "JSON summary: 20 instances, 1 reported, at bus_set_data"; else
	fail "JSON check failed:"; cat "$WORK/check.out" >&2; show; fi

# SARIF: one result whose occurrenceCount is 20
run --sarif="$WORK/out.sarif" -- "$PROGS/misuse_cycles" instances 20
expect_status 66
if python3 -c '
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert len(results) == 1, len(results)
assert results[0]["ruleId"] == "lock-order-inversion", results[0]["ruleId"]
assert results[0]["occurrenceCount"] == 20, results[0].get("occurrenceCount")
' "$WORK/out.sarif" > "$WORK/check.out" 2>&1; then pass "SARIF: one result, occurrenceCount 20"; else
	fail "SARIF check failed:"; cat "$WORK/check.out" >&2; show; fi
# Without debug info (a distribution's program or library): the instance line still says where, as
# the report prints the frame: symbol+0xN (object+0xN) from the symbol table, or ?? (object+0xN)
# without one, never a bare "?" (every line of D-Bus's installed test-dbus-daemon said "at ?").
if command -v strip >/dev/null 2>&1 && command -v addr2line >/dev/null 2>&1; then
	cp "$PROGS/misuse_cycles" "$WORK/misuse_cycles" && strip --strip-debug "$WORK/misuse_cycles"
	run -- "$WORK/misuse_cycles" instances 20
	expect_status 66
	expect_count lock-order-inversion 1
	expect_log "coffman: summary: lock-order-inversion at bus_set_data\+0x[0-9a-f]+ \(misuse_cycles\+0x[0-9a-f]+\): 20 instances, 1 reported" \
		"no debug info: at bus_set_data+0xN (misuse_cycles+0xN)"
	cp "$PROGS/misuse_cycles" "$WORK/misuse_cycles" && strip --strip-all "$WORK/misuse_cycles"
	run -- "$WORK/misuse_cycles" instances 20
	expect_status 66
	expect_log "coffman: summary: lock-order-inversion at \?\? \(misuse_cycles\+0x[0-9a-f]+\): 20 instances, 1 reported" \
		"no symbols: at ?? (misuse_cycles+0xN)"
	expect_no_log "lock-order-inversion at \?:"
	# The offset leads back to the source with the unstripped build, like a -dbgsym package would.
	OFF=$(grep -E -m1 'summary: lock-order-inversion at \?\? ' "$LOG" | sed -E 's/.*\(misuse_cycles\+(0x[0-9a-f]+)\).*/\1/')
	WHERE=$(addr2line -e "$PROGS/misuse_cycles" "$OFF" | sed -E 's/ \(discriminator [0-9]+\)$//')
	case "$WHERE" in
	*/misuse_cycles.c:"$DATAS") pass "addr2line of the instance line's offset: misuse_cycles.c:$DATAS" ;;
	*) fail "addr2line of the instance line's offset $OFF: '$WHERE', expected misuse_cycles.c:$DATAS" ;;
	esac
else
	echo "(strip or addr2line missing: the instance line without debug info is not checked)"
fi
finish
