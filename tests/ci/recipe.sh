# Shared by tests/ci_*.sh: the README's CI recipes, run as written.
#
# recipe NAME prints the commands of the recipe NAME: the fenced block that follows the line
# "<!-- recipe: NAME -->" in doc/README.in.md.  run_recipe NAME runs them with bash -e in the current
# directory, with this build's coffman first on PATH (the recipes say `coffman`), output in
# $WORK/NAME.out, status in $STATUS.
recipe() {
	awk -v name="$1" '
		$0 == "<!-- recipe: " name " -->" { state = 1; next }
		state == 1 && /^```/ { state = 2; next }
		state == 2 && /^```/ { exit }
		state == 2 { print }' "$top_srcdir/doc/README.in.md"
}

run_recipe() {
	local commands
	commands=$(recipe "$1")
	if [ -z "$commands" ]; then
		fail "README has no recipe '$1'"
		STATUS=1
		return
	fi
	PATH="$top_builddir:$PATH" timeout -k 5 "${RECIPE_TIMEOUT:-300}" bash -e -c "$commands" > "$WORK/$1.out" 2>&1
	STATUS=$?
}

# expect_logs_per_process DIR N: DIR holds N logs, each named PID.log after the process whose reports
# it holds (every report line in it carries that pid).
expect_logs_per_process() {
	local dir=$1 n=$2 f pid count=0
	for f in "$dir"/*.log; do
		[ -e "$f" ] || continue
		count=$((count + 1))
		pid=$(basename "$f" .log)
		if grep -q -E "^==$pid== coffman: lock-order-inversion" "$f" && ! grep -v -q -E "^==$pid==" "$f"; then
			pass "$(basename "$f"): the reports of process $pid, and only those"
		else
			fail "$(basename "$f") does not hold process $pid's inversion report alone"; cat "$f" >&2
		fi
	done
	if [ "$count" -eq "$n" ]; then pass "$n per-process logs"; else fail "$count logs in $dir, expected $n"; ls -l "$dir" >&2; fi
}
