#!/bin/sh
# Real software linked with jemalloc: redis-server under coffman on loopback, driven by a native
# redis-benchmark, then shut down cleanly.  Before, redis-server hung at its first allocation.
. "$top_srcdir/tests/lib.sh"
command -v redis-server > /dev/null && command -v redis-benchmark > /dev/null || { echo "redis not installed"; exit 77; }
PORT=$(( 20000 + $$ % 20000 ))
timeout 120 "$COFFMAN" --log="$LOG" -- redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$WORK" --daemonize no > "$OUT" 2>&1 &
SERVER=$!
up=0
for i in $(seq 1 100); do
	redis-cli -p "$PORT" ping 2> /dev/null | grep -q PONG && { up=1; break; }
	sleep 0.1
done
[ "$up" = 1 ] && pass "redis-server under coffman answers PING" || fail "redis-server did not come up"
if timeout 60 redis-benchmark -p "$PORT" -q -n 5000 -c 8 -t set,get,incr,lpush,lpop > "$WORK/bench.out" 2>&1; then
	pass "redis-benchmark completed: $(tr '\r' '\n' < "$WORK/bench.out" | grep -c 'requests per second') tests"
else
	fail "redis-benchmark failed"; tr '\r' '\n' < "$WORK/bench.out" | tail -5 >&2
fi
redis-cli -p "$PORT" shutdown nosave > /dev/null 2>&1
wait "$SERVER"
STATUS=$?
expect_status 0
expect_no_report
finish
