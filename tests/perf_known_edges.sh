#!/bin/sh
# The shared set of known edges (shim/known_edges.c) answers a thread's cache miss without the graph;
# an entry made before its locks were destroyed must not hide the same pair's new edge afterwards.
. "$top_srcdir/tests/lib.sh"
SRC="$top_srcdir/tests/progs/perf_known_edges.c"
AB=$(line_of "$SRC" 'pthread_mutex_lock(&locks[1]); /* known_edges: a then b */')
BA=$(line_of "$SRC" 'pthread_mutex_lock(&locks[0]); /* known_edges: b then a */')

run -- "$PROGS/perf_known_edges"
expect_kind lock-order-inversion
expect_count lock-order-inversion 1
expect_status 66
expect_out '^perf_known_edges: done$'
expect_log "a_then_b .*perf_known_edges\.c:$AB " "edge a -> b made again after the destroy (line $AB)"
expect_log "b_then_a .*perf_known_edges\.c:$BA " "closing edge b -> a (line $BA)"
finish
