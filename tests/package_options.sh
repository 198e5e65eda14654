#!/bin/bash
# One set of options, variables and report kinds, wherever they are written down.  `coffman --help`,
# the manual page (and coffman-graph's --help and page), the README's options table and the code that reads them (shim/launcher.c's table,
# shim/config.c's known variables, shim/report.c's kind names) must name the same ones: an option added
# in one place and not the others fails here, with the place that lacks it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

page="$top_builddir/doc/coffman.1"
graph_page="$top_builddir/doc/coffman-graph.1"
for p in "$page" "$graph_page"; do
	[ -f "$p" ] || make -C "$top_builddir" "doc/$(basename "$p")" > /dev/null
done
"$COFFMAN" --help > "$WORK/help.txt" || fail "coffman --help exited with $?"
"$top_builddir/coffman-graph" --help > "$WORK/graph-help.txt" || fail "coffman-graph --help exited with $?"

python3 - "$WORK/help.txt" "$page" "$top_srcdir/doc/README.in.md" "$top_srcdir/shim/config.c" \
	"$top_srcdir/shim/report.c" "$top_srcdir/shim/launcher.c" "$WORK/graph-help.txt" "$graph_page" <<'EOF' || FAILED=1
import re, sys
help_txt, page, readme, config_c, report_c, launcher_c = (open(p, encoding="utf-8").read() for p in sys.argv[1:7])

def section(roff, name):
    m = re.search(r'^\.SH ' + name + r'\n(.*?)(?=^\.SH |\Z)', roff, re.S | re.M)
    if not m:
        sys.exit('coffman.1 has no %s section' % name)
    return m.group(1)

def tagged(roff, pattern):
    """The names a .TP paragraph of a man page section starts with ('\\-' read as '-')."""
    tags = re.findall(r'^\.TP\n(.*)$', roff, re.M)
    return {n for t in tags for n in re.findall(pattern, t.replace('\\-', '-'))}

def table(md, heading):
    m = re.search(r'^#+ ' + re.escape(heading) + r'\n(.*?)(?=^#)', md, re.S | re.M)
    if not m:
        sys.exit('README.in.md has no section "%s"' % heading)
    # Cells are split at '|' but not at an escaped '\|' (`text\|json`).
    return [re.split(r'(?<!\\)\|', row)[1:-1] for row in m.group(1).splitlines() if row.startswith('| ')]

man = open(sys.argv[2], encoding='utf-8').read()
sources = {
    'coffman --help (options)': set(re.findall(r'^\s+(?:-h, )?(--[a-z][a-z-]*)', help_txt, re.M)),
    'coffman.1 OPTIONS': tagged(section(man, 'OPTIONS'), r'--[a-z][a-z-]*'),
    "README's options table": {o for row in table(readme, 'Options and environment variables')
                               for o in re.findall(r'`(--[a-z][a-z-]*)', row[0])},
    'launcher.c options[]': set(re.findall(r'\{ "(--[a-z-]+)", "COFFMAN_', launcher_c)),
}
# The table lists the options that set a variable; --help and --version only in --help and the page.
for name in ('coffman --help (options)', 'coffman.1 OPTIONS'):
    for o in ('--help', '--version'):
        if o not in sources[name]:
            print('FAIL: %s lacks %s' % (name, o))
            sys.exit(1)
        sources[name].discard(o)

known_vars = re.search(r'known_vars\[\] = \{(.*?)\};', config_c, re.S)
# Variables without an option (COFFMAN_LIB, ...) are the README table's rows with an empty option cell.
env_only = {v for row in table(readme, 'Options and environment variables') if not row[0].strip()
            for v in re.findall(r'`(COFFMAN_[A-Z_]+)', row[1])}
variables = {
    'coffman --help (variables)': set(re.findall(r'\[(COFFMAN_[A-Z_]+)\]', help_txt)) | env_only,
    'coffman.1 ENVIRONMENT': tagged(section(man, 'ENVIRONMENT'), r'COFFMAN_[A-Z_]+'),
    "README's options table (variables)": {v for row in table(readme, 'Options and environment variables')
                                           for v in re.findall(r'`(COFFMAN_[A-Z_]+)', row[1])},
    'config.c known_vars[]': set(re.findall(r'"(COFFMAN_[A-Z_]+)"', known_vars.group(1))) if known_vars else set(),
}

kind_names = re.search(r'kind_names\[[A-Z_]*\] = \{(.*?)\};', report_c, re.S)
kinds = {
    'report.c kind_names[]': set(re.findall(r'"([a-z-]+)"', kind_names.group(1))) if kind_names else set(),
    'coffman.1 REPORTS': tagged(section(man, 'REPORTS'), r'^\.B ([a-z][a-z-]*)$'),
    "README's report table": {row[0].strip().strip('`') for row in table(readme, 'coffman')
                              if row[0].strip().startswith('`')},
}

# coffman-graph: its --help and its page name the same commands and options.
graph_help, graph_page = (open(p, encoding='utf-8').read() for p in sys.argv[7:9])
graph_options = {
    'coffman-graph --help (options)': set(re.findall(r'^\s+(?:-[a-z] [A-Z]+, |-h, )?(--[a-z][a-z-]*)', graph_help, re.M)),
    'coffman-graph.1 OPTIONS': tagged(section(graph_page, 'OPTIONS'), r'--[a-z][a-z-]*'),
}
graph_commands = {
    'coffman-graph --help (commands)': set(re.findall(r'^  ([a-z]+)  ', graph_help.split('Options:')[0], re.M)),
    'coffman-graph.1 COMMANDS': tagged(section(graph_page, 'COMMANDS'), r'^\.B ([a-z]+)$'),
}

status = 0
for what, group in (('option', sources), ('variable', variables), ('report kind', kinds),
                    ('coffman-graph option', graph_options), ('coffman-graph command', graph_commands)):
    bad = 0
    union = set().union(*group.values())
    if not union:
        print('FAIL: no %s found anywhere: has a format changed?' % what)
        bad = 1
    for name, found in group.items():
        if not found:
            print('FAIL: no %s found in %s: has its format changed?' % (what, name))
            bad = 1
        for missing in sorted(union - found):
            print('FAIL: %s lacks the %s %s' % (name, what, missing))
            bad = 1
    status |= bad
    if not bad:
        print('ok: %d %ss agree: %s' % (len(union), what, ' '.join(sorted(union))))
sys.exit(status)
EOF

# The page's own version is the program's.
version=$("$COFFMAN" --version | awk '{print $2}')
if grep -q "^\.TH COFFMAN 1 .*\"coffman $version\"" "$page"; then pass "coffman.1 is for version $version"
else fail "coffman.1's .TH line does not name version $version"; fi
finish
