#!/bin/bash
# The repository layout tells the architecture: every file of shim/ and graph/ opens with a comment that
# says what it holds (read by people; here only its presence is checked), each report format has a
# writer file named for it that holds that format's entry points, and no source file lies there unbuilt.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
cd "$top_srcdir"

for f in shim/*.[ch] graph/*.[ch] tools/*/*.[ch]; do
	[ -e "$f" ] || continue
	if [ "$(head -c 2 "$f")" != "/*" ]; then fail "$f does not open with a comment saying what it holds"; fi
done
[ "$FAILED" -eq 0 ] && pass "every file of shim/, graph/ and tools/ opens with a comment"

# One writer per format, named for it, its opening comment naming the format.
for pair in "text:human-readable" "json:JSON" "sarif:SARIF"; do
	format=${pair%%:*} word=${pair#*:}
	f=shim/report_$format.c
	if [ -f "$f" ] && sed -n '1,/\*\//p' "$f" | grep -q "$word"; then pass "$f: the $word writer"
	else fail "no $f opening with the $word writer's description"; fi
done
# A report format's entry points live in its own file: report_format_X in report_X.c, the SARIF
# log's sarif_* functions in report_sarif.c (raw_report.c's signal-safe writer keeps its helpers static).
strays=$(grep -n -E '^[a-z][a-z_ ]*[ *](report_format_[a-z]+|sarif_[a-z_]+)\(' shim/*.c | grep -v ':static ' |
	while IFS=: read -r file line rest; do
		fn=$(echo "$rest" | grep -o -E '(report_format_[a-z]+|sarif_[a-z_]+)\(' | tr -d '(')
		case $fn in
		report_format_*) [ "$file" = "shim/report_${fn#report_format_}.c" ] || echo "$file:$line $fn" ;;
		sarif_*) [ "$file" = shim/report_sarif.c ] || echo "$file:$line $fn" ;;
		esac
	done)
if [ -z "$strays" ]; then pass "each format's entry points are defined in the writer named for it"
else fail "a format's entry point outside its writer: $strays"; fi

# Every source file there is built (listed in a Makefile fragment): no dead file to mislead a reader.
for f in shim/*.[ch] graph/*.[ch]; do
	grep -q -F "$f" Makefile.am $(ls tests/*.am bench/*.am doc/*.am 2> /dev/null) || fail "$f is in no Makefile list"
done
[ "$FAILED" -eq 0 ] && pass "every file of shim/ and graph/ is built"
finish
