#!/bin/sh
# The watchdog on a real server: memcached under `coffman --watchdog=1`, on loopback at a random high
# port.  Idle for 3 s (its maintenance threads sleep in condition waits holding nothing): still alive,
# no report.  Then it stores and returns a key (text protocol over bash's /dev/tcp), idles again, and
# ends cleanly on SIGTERM with status 0 and no report.  With --watchdog-idle the same idle server is a
# hang ("in a condition wait") and is ended with 66 shortly after the limit.
. "$top_srcdir/tests/lib.sh"
command -v memcached > /dev/null || { echo "memcached not installed"; exit 77; }
USER_OPT=""
[ "$(id -u)" -eq 0 ] && USER_OPT="-u $(id -un)"       # memcached refuses to run as root without -u

# start_server [coffman options...]: memcached under coffman in the background, $SERVER its pid, $PORT
# its port; tries a few random ports (one may be taken).  Returns 1 if it never answered.
start_server() {
	: > "$LOG"
	for try in 1 2 3 4 5; do
		PORT=$(( 20000 + ($$ * 7 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
		# shellcheck disable=SC2086
		timeout -k 5 60 "$COFFMAN" --log="$LOG" "$@" -- memcached -p "$PORT" -l 127.0.0.1 -U 0 -t 2 $USER_OPT \
			> "$OUT" 2>&1 &
		SERVER=$!
		for i in $(seq 1 50); do
			if (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null; then return 0; fi
			kill -0 "$SERVER" 2> /dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER" 2> /dev/null
		wait "$SERVER" 2> /dev/null
	done
	return 1
}

# mc_talk: store k=x, read it back; the replies, one per line, without the CRs
mc_talk() {
	exec 3<> "/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'set k 0 0 1\r\nx\r\nget k\r\nquit\r\n' >&3
	local line n=0
	while [ $n -lt 4 ] && IFS= read -r -t 5 line <&3; do
		printf '%s\n' "${line%$(printf '\r')}"
		n=$((n + 1))
	done
	exec 3<&-
}

echo "---- --watchdog=1: an idle memcached is not a hang"
if start_server --watchdog=1; then
	pass "memcached under coffman answers on 127.0.0.1:$PORT"
	sleep 3
	if kill -0 "$SERVER" 2> /dev/null; then pass "alive after 3 s idle"; else fail "memcached ended while idle"; fi
	expect_no_report
	mc_talk > "$WORK/replies"
	if [ "$(tr '\n' ' ' < "$WORK/replies")" = "STORED VALUE k 0 1 x END " ]; then pass "set and get answered"; else
		fail "unexpected replies:"; cat "$WORK/replies" >&2; fi
	sleep 1.5
	if kill -0 "$SERVER" 2> /dev/null; then pass "alive after the traffic"; else fail "memcached ended"; fi
	kill -TERM "$SERVER"
	wait "$SERVER"
	STATUS=$?
	expect_status 0
	expect_no_report
else
	fail "memcached did not come up"; show
fi

echo "---- --watchdog=1 --watchdog-idle: the idle server is a hang"
if start_server --watchdog=1 --watchdog-idle; then
	start=$(date +%s.%N)
	for i in $(seq 1 100); do
		kill -0 "$SERVER" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER" 2> /dev/null; then
		fail "memcached still runs after 10 s"; kill -KILL "$SERVER"
	fi
	wait "$SERVER"
	STATUS=$?
	ELAPSED=$(echo "$(date +%s.%N) - $start" | bc)
	expect_status 66
	expect_kind hang
	expect_count hang 1
	expect_log "coffman: hang: T[0-9]+ has been blocked for [0-9.]+ s in a condition wait$" "hang: a thread in a condition wait"
	expect_log "every wait counts \(COFFMAN_WATCHDOG_IDLE\)" "the note names COFFMAN_WATCHDOG_IDLE"
	expect_faster_than 5
else
	fail "memcached did not come up"; show
fi
finish
