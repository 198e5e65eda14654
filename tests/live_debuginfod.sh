#!/bin/bash
# Reports never wait on the network.  With DEBUGINFOD_URLS set (distributions set it in login shells),
# libdw fetched missing debug info from the server while a report was being written: a frame in a
# library without local debug info (tests/progs/api_plugin.c built with -g0) and a server that accepts
# and never answers held the report for minutes.  Debug info now comes from this machine only: the
# report comes within seconds, naming the library's functions from its symbol table.
. "$top_srcdir/tests/lib.sh"
SO="$WORK/libnodebug.so"
if ! ${CC:-cc} -shared -fPIC -g0 -O0 -pthread -Wl,--build-id -o "$SO" "$top_srcdir/tests/progs/api_plugin.c" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi

line=$("$PROGS/live_latency" --stall-debuginfod --timeout=60 --pattern="coffman: lock-order-inversion:" \
	--save="$LOG" -- "$COFFMAN" "$PROGS/api_dlopen" "$SO")
header=$(echo "$line" | sed -n 's/^header=\([-0-9.]*\) .*/\1/p')
STATUS=$(echo "$line" | sed -n 's/.* status=\([-0-9]*\).*/\1/p')
if [ "$(echo "$header >= 0 && $header < 5" | bc)" -eq 1 ]; then pass "report after $header s (< 5 s)"; else
	fail "no report within 5 s: $line"; fi
expect_status 66
expect_log "#0 0x[0-9a-f]+ plugin_update_cache\+0x[0-9a-f]+ \(libnodebug\.so\+0x[0-9a-f]+\)" "plugin_update_cache in libnodebug.so, by its symbol"
expect_log "#0 0x[0-9a-f]+ plugin_rebuild_index\+0x[0-9a-f]+ \(libnodebug\.so\+0x[0-9a-f]+\)" "plugin_rebuild_index in libnodebug.so"
finish
