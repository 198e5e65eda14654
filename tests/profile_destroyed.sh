#!/bin/sh
# The profile's table names where a lock was created even when the program destroyed it before exit
# (tests/progs/profile_destroyed.c): it used to say "created at a static initializer" for every such
# lock, as it did for the thread-pool locks of nginx, BIND and 7-Zip at their exit.
. "$top_srcdir/tests/lib.sh"

run --profile="$WORK/prof.pb" -- "$PROGS/profile_destroyed"
expect_status 0
expect_out '^profile_destroyed: done$'
expect_log "^(==[0-9]+== )? +[0-9]+ +10 .*\(0x[0-9a-f]+, mutex\), created at make_pool_lock .*profile_destroyed\.c:[0-9]+" \
	"the destroyed lock: created at make_pool_lock"
USE=$(line_of "$top_srcdir/tests/progs/profile_destroyed.c" '		pthread_mutex_lock(&static_lock);')
expect_log "^(==[0-9]+== )? +[0-9]+ +10 .* static_lock \(0x[0-9a-f]+, mutex\), created at a static initializer, first used in main .*profile_destroyed\.c:$USE$" \
	"the PTHREAD_MUTEX_INITIALIZER lock: a static initializer, first used in main:$USE"
finish
