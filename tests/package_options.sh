#!/bin/bash
# One set of options, variables and report kinds, wherever they are written down.  `coffman --help`,
# the manual page, the README's options table and the code that reads them (shim/launcher.c's table,
# shim/config.c's known variables, shim/report.c's kind names) must name the same ones: an option added
# in one place and not the others fails here, with the place that lacks it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

page="$top_builddir/doc/coffman.1"
[ -f "$page" ] || make -C "$top_builddir" doc/coffman.1 > /dev/null
"$COFFMAN" --help > "$WORK/help.txt" || fail "coffman --help exited with $?"

python3 - "$WORK/help.txt" "$page" "$top_srcdir/doc/README.in.md" "$top_srcdir/shim/config.c" \
	"$top_srcdir/shim/report.c" "$top_srcdir/shim/launcher.c" <<'EOF' || FAILED=1
import re, sys
help_txt, page, readme, config_c, report_c, launcher_c = (open(p, encoding='utf-8').read() for p in sys.argv[1:])

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
variables = {
    'coffman --help (variables)': set(re.findall(r'\[(COFFMAN_[A-Z_]+)\]', help_txt)) | {'COFFMAN_LIB'},
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

status = 0
for what, group in (('option', sources), ('variable', variables), ('report kind', kinds)):
    before = status
    union = set().union(*group.values())
    if not union:
        print('FAIL: no %s found anywhere: has a format changed?' % what)
        status = 1
    for name, found in group.items():
        if not found:
            print('FAIL: no %s found in %s: has its format changed?' % (what, name))
            status = 1
        for missing in sorted(union - found):
            print('FAIL: %s lacks the %s %s' % (name, what, missing))
            status = 1
    if status == before:
        print('ok: %d %ss agree: %s' % (len(union), what, ' '.join(sorted(union))))
sys.exit(status)
EOF

# The page's own version is the program's.
version=$("$COFFMAN" --version | awk '{print $2}')
if grep -q "^\.TH COFFMAN 1 .*\"coffman $version\"" "$page"; then pass "coffman.1 is for version $version"
else fail "coffman.1's .TH line does not name version $version"; fi
finish
