#!/bin/sh
# coffman-graph report: one self-contained HTML page with the merged cycle (drawn) and the live report
# of a JSON log, opened in headless Chromium: the page loads without a console error, its script runs,
# both findings are there, and #only=KIND filters by kind.  Skipped when Chromium is not installed.
. "$top_srcdir/tests/lib.sh"
G="$top_builddir/coffman-graph"
P="$PROGS/graph_locks"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	echo "chromium is not installed: skipped"
	exit 77
fi
run --graph-dir="$WORK/g1" -- "$P" ab
run --graph-dir="$WORK/g2" -- "$P" bc
run --graph-dir="$WORK/g3" -- "$P" ca
run --format=json -- "$P" live
expect_status 66
cp "$LOG" "$WORK/live.json"
"$G" report -o "$WORK/page.html" "$WORK"/g1 "$WORK"/g2 "$WORK"/g3 "$WORK/live.json"
s=$?
[ $s -eq 66 ] && pass "report: exit 66 (a cycle)" || fail "report: exit $s"
if grep -q -E '<(script|link|img|iframe)[^>]* (src|href)=' "$WORK/page.html"; then fail "the page loads something"; else
	pass "nothing loaded from elsewhere"; fi

# browse URL: the DOM after the page's script ran, in $WORK/dom.html; console messages in $WORK/console
browse() {
	timeout -k 5 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$WORK/profile" \
		--enable-logging=stderr --v=0 --dump-dom "$1" > "$WORK/dom.html" 2> "$WORK/chromium.err"
	grep ':CONSOLE' "$WORK/chromium.err" > "$WORK/console"
}

browse "file://$WORK/page.html"
grep -q 'data-ready="1"' "$WORK/dom.html" && pass "the page's script ran" || { fail "the script did not run"; tail -5 "$WORK/chromium.err" >&2; }
if [ -s "$WORK/console" ]; then fail "console messages:"; cat "$WORK/console" >&2; else pass "no console message"; fi
grep -q 'id="shown">2 of 2 findings shown' "$WORK/dom.html" && pass "2 of 2 findings shown" || fail "not 2 of 2 findings shown"
n=$(grep -c '<article class="finding" data-kind="lock-order-inversion" data-source="merged"' "$WORK/dom.html")
[ "$n" -eq 1 ] && pass "the merged cycle" || fail "$n merged findings"
n=$(grep -c '<article class="finding" data-kind="lock-order-inversion" data-source="live"' "$WORK/dom.html")
[ "$n" -eq 1 ] && pass "the live report" || fail "$n live findings"
grep -q 'cycle of 3 lock classes across 3 processes' "$WORK/dom.html" && pass "the cycle's summary" || fail "no summary"
grep -q '<svg' "$WORK/dom.html" && pass "the cycle drawn" || echo "note: no picture (Graphviz missing?)"
grep -q '<details><summary>edge 1:' "$WORK/dom.html" && pass "stacks in collapsible blocks" || fail "no <details> per edge"

browse "file://$WORK/page.html#only=deadlock"
grep -q 'id="shown">0 of 2 findings shown' "$WORK/dom.html" && pass "#only=deadlock hides both" || fail "filter by kind failed"
finish
