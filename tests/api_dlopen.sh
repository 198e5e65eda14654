#!/bin/sh
# Locks inside a dlopen'ed library: tests/progs/api_plugin.c is built here as a shared object;
# api_dlopen loads it and calls plugin_run, which takes plugin_cache_lock and plugin_index_lock in both
# orders (two threads).  One inversion naming the library's locks and functions with file:line.
. "$top_srcdir/tests/lib.sh"
# a run that hangs (the checker failing to end it) is cut short and fails the timing checks
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
PSRC="$top_srcdir/tests/progs/api_plugin.c"
HOLD_C=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_cache_lock); /* plugin: hold cache */')
EDGE_CI=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_index_lock); /* plugin: edge cache->index */')
HOLD_I=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_index_lock); /* plugin: hold index */')
EDGE_IC=$(line_of "$PSRC" 'pthread_mutex_lock(&plugin_cache_lock); /* plugin: edge index->cache */')
SO="$WORK/libapi_plugin.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$SO" "$PSRC" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi

"$PROGS/api_dlopen" "$SO" > "$WORK/native.out" 2>&1
run -- "$PROGS/api_dlopen" "$SO"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_log "cycle: L[0-9] 'plugin_(cache|index)_lock' -> L[0-9] 'plugin_(cache|index)_lock' -> L[0-9] 'plugin_(cache|index)_lock'$" "cycle names the plugin's locks"
expect_log "L[0-9] 'plugin_cache_lock': mutex at 0x[0-9a-f]+" "plugin_cache_lock listed"
expect_log "L[0-9] 'plugin_index_lock': mutex at 0x[0-9a-f]+" "plugin_index_lock listed"
expect_log "#0 0x[0-9a-f]+ plugin_update_cache .*api_plugin\.c:$EDGE_CI \(libapi_plugin\.so\)" "plugin_update_cache api_plugin.c:$EDGE_CI in libapi_plugin.so"
expect_log "#0 0x[0-9a-f]+ plugin_update_cache .*api_plugin\.c:$HOLD_C \(libapi_plugin\.so\)" "cache lock held since api_plugin.c:$HOLD_C"
expect_log "#0 0x[0-9a-f]+ plugin_rebuild_index .*api_plugin\.c:$EDGE_IC \(libapi_plugin\.so\)" "plugin_rebuild_index api_plugin.c:$EDGE_IC"
expect_log "#0 0x[0-9a-f]+ plugin_rebuild_index .*api_plugin\.c:$HOLD_I \(libapi_plugin\.so\)" "index lock held since api_plugin.c:$HOLD_I"
expect_log "#[0-9] 0x[0-9a-f]+ main .*api_dlopen\.c:[0-9]+ \(api_dlopen\)" "the host's main below the plugin's frames"
expect_out '^api_dlopen: plugin_run returned 2$'
if cmp -s "$WORK/native.out" "$OUT"; then pass "output identical to a native run"; else
	fail "output differs from a native run"; diff "$WORK/native.out" "$OUT" >&2; fi
finish
