#!/bin/sh
# A profile written after dlclose unloaded a plugin still names the plugin: its frames and its locks'
# creation sites show as the plugin and the offset in it (for addr2line), where they were "??+0x0" and a
# bare address ("created at 0x7f...").  Seen with VLC, which unloads its plugins before exit: every
# libavcodec and x264 frame of its profile was lost.
. "$top_srcdir/tests/lib.sh"
PSRC="$top_srcdir/tests/progs/profile_unloaded_plugin.c"
SO="$WORK/libprofile_plugin.so"
if ! ${CC:-cc} -shared -fPIC -g -O0 -pthread -o "$SO" "$PSRC" 2> "$WORK/cc.err"; then
	echo "cannot build the plugin:"; cat "$WORK/cc.err"; exit 77
fi
CREATED=$(line_of "$PSRC" 'pthread_mutex_init(m, NULL); /* plugin: created here */')
WAIT=$(line_of "$PSRC" 'pthread_mutex_lock(lock); /* plugin: the wait */')

run --profile="$WORK/prof.pb" -- "$PROGS/profile_unloaded" "$SO"
expect_status 0
expect_out '^profile_unloaded: done, 20 rounds$'
expect_log "^(==[0-9]+== )? +1 +20 .* unloaded_lock \(0x[0-9a-f]+, mutex\), created at \?\? \(libprofile_plugin\.so\+0x[0-9a-f]+\)$" \
	"the creation site: the unloaded plugin and an offset"
expect_no_log "created at 0x"
FOLDED="$WORK/prof.pb.folded"
if grep -q -E '^(.*;)?libprofile_plugin\.so\+0x[0-9a-f]+;\[lock unloaded_lock\] [0-9]+$' "$FOLDED"; then
	pass "the folded wait stack names the plugin"
else
	fail "the folded wait stack lacks the plugin's frame"; cat "$FOLDED" >&2
fi
if grep -q '??+0x0' "$FOLDED"; then fail "a ??+0x0 frame in the folded file"; cat "$FOLDED" >&2; else
	pass "no ??+0x0 frame"; fi

# The offsets are the plugin's own: addr2line finds the lines.
if command -v addr2line > /dev/null 2>&1; then
	off=$(sed -n -E 's/.*created at \?\? \(libprofile_plugin\.so\+(0x[0-9a-f]+)\)$/\1/p' "$LOG" | head -n1)
	at=$(addr2line -e "$SO" "$off" 2> /dev/null)
	case "$at" in
	*profile_unloaded_plugin.c:"$CREATED"*) pass "the creation offset is plugin line $CREATED" ;;
	*) fail "the creation offset $off is '$at', not line $CREATED"; show ;;
	esac
	off=$(sed -n -E 's/.*;libprofile_plugin\.so\+(0x[0-9a-f]+);\[lock unloaded_lock\].*/\1/p' "$FOLDED" | head -n1)
	at=$(addr2line -e "$SO" "$off" 2> /dev/null)
	case "$at" in
	*profile_unloaded_plugin.c:"$WAIT"*) pass "the wait offset is plugin line $WAIT" ;;
	*) fail "the wait offset $off is '$at', not line $WAIT"; cat "$FOLDED" >&2 ;;
	esac
fi
finish
