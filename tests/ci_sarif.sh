#!/bin/bash
# README recipe "sarif-merge": the SARIF documents of a run of many processes, one per process, merged
# into one run for code scanning.  Every report kind is made once (and one clean run), and every
# per-process document and the merged one must validate:
#  - against the SARIF 2.1.0 JSON schema (the one in npm's @microsoft/sarif-multitool-linux, fetched by
#    build-aux-deps.sh's ensure_sarif_validator), with Debian's python3-jsonschema;
#  - with Microsoft's validator, Sarif.Multitool validate, from the same package: no error;
#  - always, even with neither at hand: the structure code scanning relies on.
# Each validator must also reject a broken document, so that a silent one cannot pass for a content one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/ci/recipe.sh"
. "$top_srcdir/build-aux-deps.sh"

command -v jq > /dev/null || { echo "SKIP: jq is not installed"; exit 77; }
EX="$top_builddir/examples"
cd "$WORK"
mkdir coffman-sarif
sarif() { "$COFFMAN" --sarif="$WORK/coffman-sarif/%p.sarif" "$@" > /dev/null 2>&1; }
sarif "$EX/printsum"                    # lock-order-inversion
sarif "$EX/bank_reentrant"              # double-lock
sarif "$EX/unlock_nonowner"             # bad-unlock
sarif "$EX/session_close"               # destroy-locked
sarif "$EX/philosophers"                # deadlock (and the inversion before it)
sarif --watchdog=1 "$EX/pipe_holder"    # hang
sarif "$EX/early_return"                # exit-holding
sarif "$EX/pool_shutdown"               # cond-misuse
sarif "$EX/late_callback"               # use-after-destroy
sarif "$EX/double_init"                 # reinit-live
sarif "$EX/hallway_trylock"             # livelock
sarif "$PROGS/starve" greedy            # starvation
sarif "$EX/bank_fixed"                  # clean: a document with no result
n=$(ls coffman-sarif | wc -l)
if [ "$n" -eq 13 ]; then pass "13 processes, 13 SARIF documents"; else fail "$n SARIF documents, expected 13"; fi

run_recipe sarif-merge
if [ "$STATUS" -eq 0 ] && [ -s coffman.sarif ]; then pass "the README's jq merge made coffman.sarif"
else fail "the merge failed ($STATUS)"; cat "$WORK/sarif-merge.out" >&2; finish; fi

# A broken document for the validators to reject: a run whose tool has no driver, and a bad level.
jq '.runs[0].tool = {} | .runs[0].results[0].level = "fatal"' coffman.sarif > broken.sarif

schema="$SARIF_TOOLS_DIR/sarif-2.1.0.json"
[ -f "$schema" ] || schema=""
python=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import jsonschema' 2> /dev/null; then python=$p; break; fi
done
if [ -n "$schema" ] && [ -z "$python" ]; then
	echo "note: no python3-jsonschema: the schema is not applied"; schema=""
fi
if [ -z "$schema" ]; then
	echo "note: the SARIF 2.1.0 schema is not available offline here (no npm package fetched:" \
		". ./build-aux-deps.sh; ensure_sarif_validator); checking the structure only"
	[ "${CI:-}" = true ] && fail "in CI the SARIF schema must be there (./runtests fetches it)"
fi
[ -n "$python" ] || python=python3

"${python}" - "$schema" coffman.sarif broken.sarif coffman-sarif/*.sarif <<'EOF' || FAILED=1
import json, sys
schema_path, files = sys.argv[1], sys.argv[2:]
validator = None
if schema_path:
    import jsonschema
    schema = json.load(open(schema_path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

def structure(doc):
    """What code scanning needs of an upload, beyond the schema's types."""
    problems = []
    if doc.get('version') != '2.1.0' or 'sarif' not in doc.get('$schema', ''):
        problems.append('version/$schema')
    runs = doc.get('runs') or []
    if len(runs) != 1:
        problems.append('%d runs, expected 1 (one tool, one category)' % len(runs))
    for run in runs:
        driver = (run.get('tool') or {}).get('driver') or {}
        if driver.get('name') != 'coffman':
            problems.append('tool.driver.name')
        rules = [r.get('id') for r in driver.get('rules', [])]
        if len(set(rules)) != len(rules):
            problems.append('duplicate rule ids')
        for i, res in enumerate(run.get('results', [])):
            where = 'result %d' % i
            if res.get('ruleId') not in rules:
                problems.append('%s: ruleId %r is not a rule' % (where, res.get('ruleId')))
            elif 'ruleIndex' in res and rules[res['ruleIndex']] != res['ruleId']:
                problems.append('%s: ruleIndex points at another rule' % where)
            if res.get('level') not in ('error', 'warning', 'note', 'none'):
                problems.append('%s: level %r' % (where, res.get('level')))
            if not (res.get('message') or {}).get('text'):
                problems.append('%s: no message text' % where)
            locs = res.get('locations') or []
            if not locs:
                problems.append('%s: no location' % where)
            for loc in locs + res.get('relatedLocations', []):
                phys = loc.get('physicalLocation') or {}
                uri = (phys.get('artifactLocation') or {}).get('uri', '')
                if not uri:
                    problems.append('%s: a location without a uri' % where)
                elif not uri.startswith('file:') and 'address' not in phys and \
                        (phys.get('region') or {}).get('startLine', 0) < 1:
                    problems.append('%s: %s without a start line' % (where, uri))
            ids = [r.get('id') for r in res.get('relatedLocations', [])]
            if len(set(ids)) != len(ids):
                problems.append('%s: duplicate relatedLocations ids' % where)
    return problems

status = 0
for f in files:
    doc = json.load(open(f))
    problems = structure(doc)
    if validator:
        problems += ['schema: %s at %s' % (e.message, '/'.join(map(str, e.absolute_path)))
                     for e in validator.iter_errors(doc)]
    broken = f.endswith('broken.sarif')
    if broken:
        if problems:
            print('ok: the broken document is rejected (%d problems, e.g. %s)' % (len(problems), problems[0]))
        else:
            print('FAIL: the broken document passes the checks')
            status = 1
    elif problems:
        print('FAIL: %s: %s' % (f, '; '.join(problems[:5])))
        status = 1
    else:
        print('ok: %s is valid SARIF 2.1.0%s' % (f, ' (schema and structure)' if validator else ' (structure)'))
sys.exit(status)
EOF

# The merged document: one run, all results, every kind; the clean process contributed none.
total=$(cat coffman-sarif/*.sarif | jq -s '[.[].runs[0].results | length] | add')
merged=$(jq '.runs[0].results | length' coffman.sarif)
if [ "$merged" -eq "$total" ] && [ "$total" -ge 12 ]; then pass "coffman.sarif holds all $total results"
else fail "coffman.sarif holds $merged results of $total"; fi
# Every report kind is a rule of the tool, and each has a result here.
rules=$(jq -r '[.runs[0].tool.driver.rules[].id] | sort | join(" ")' coffman.sarif)
kinds=$(jq -r '[.runs[0].results[].ruleId] | unique | join(" ")' coffman.sarif)
if [ "$kinds" = "$rules" ] && [ "$(echo "$rules" | wc -w)" -ge 12 ]; then pass "a result for each of the $(echo "$rules" | wc -w) rules: $kinds"
else fail "the merged results cover '$kinds', the rules are '$rules'"; fi
if jq -e '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | all(test("(^|/)(examples|tests/progs)/[a-z_]+\\.c$"))' \
	coffman.sarif > /dev/null; then pass "every result is located in the programs' sources"
else fail "a result is not located in examples/ or tests/progs/: $(jq -c '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri]' coffman.sarif)"; fi

# Microsoft's validator: the merged document and every per-process one, no error; the broken one, an error.
tool="$SARIF_TOOLS_DIR/Sarif.Multitool"
if [ -x "$tool" ]; then
	DOTNET_CLI_TELEMETRY_OPTOUT=1 timeout 300 "$tool" validate coffman.sarif broken.sarif coffman-sarif/*.sarif \
		--json-schema "$SARIF_TOOLS_DIR/sarif-2.1.0.json" -o multitool.sarif --log ForceOverwrite > multitool.out 2>&1
	if grep -q 'broken\.sarif.*: error ' multitool.out; then pass "Sarif.Multitool rejects the broken document"
	else fail "Sarif.Multitool does not reject the broken document"; cat multitool.out >&2; fi
	if grep -v 'broken\.sarif' multitool.out | grep -q ': error '; then fail "Sarif.Multitool finds errors:"
		grep -v 'broken\.sarif' multitool.out | grep ': error ' >&2
	else pass "Sarif.Multitool validate: no error in $(($(ls coffman-sarif | wc -l) + 1)) documents"; fi
	# Its warnings are advice beyond the standard (e.g. an informationUri for the tool): shown, not failed.
	grep -v 'broken\.sarif' multitool.out | grep ': warning ' | sed 's/^.*: warning /note: Sarif.Multitool warns /' \
		| cut -c1-160 | sort | uniq -c | sort -rn | head -5
elif [ -n "$schema" ] || [ "${CI:-}" = true ]; then
	fail "Sarif.Multitool is missing from $SARIF_TOOLS_DIR"
fi
finish
