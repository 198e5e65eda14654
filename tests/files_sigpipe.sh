#!/bin/sh
# Issue 9, item 7: coffman's stderr is a pipe whose reader is gone.  Writing the report must not raise
# SIGPIPE in the host: the program goes on and exits 66 (not 141, killed by SIGPIPE); when the program
# blocks SIGPIPE, coffman leaves no SIGPIPE of its own pending; a SIGPIPE the program itself had pending
# is still pending after the report.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to close a pipe's reader"; exit 77; }

# broken_stderr MODE: run files_sigpipe MODE under the checker with stderr on a pipe without reader
broken_stderr() {
	timeout 30 python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)                                      # nobody will ever read: a write gets EPIPE/SIGPIPE
p = subprocess.run(sys.argv[1:], stderr=w, stdout=subprocess.PIPE)   # SIGPIPE at its default action
sys.stdout.write(p.stdout.decode())
print("status %d" % p.returncode)                # -13: killed by SIGPIPE
' "$COFFMAN" "$PROGS/files_sigpipe" "$1" > "$OUT" 2>&1
}

broken_stderr plain
expect_out '^files_sigpipe: survived the report$'
expect_out '^status 66$'

broken_stderr blocked
expect_out '^files_sigpipe: survived the report$'
expect_out '^files_sigpipe: SIGPIPE not pending$'
expect_out '^status 66$'

broken_stderr own
expect_out '^files_sigpipe: SIGPIPE pending$'
expect_out '^status 66$'
finish
