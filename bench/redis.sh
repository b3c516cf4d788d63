#!/usr/bin/env bash
# What one Redis node carries of Galley's stream traffic, for docs/scaling.md: the rate
# of each command a task costs, measured with redis-benchmark against the local stack's
# Redis (50 clients, one command per round trip as Galley's per-request sends are, and
# 16 per round trip as the outbox publisher's and relay's pipelines are).
#
#   bench/redis.sh                         the stack's Redis (scripts/stack start)
#   BENCH_REQUESTS=200000 bench/redis.sh
#
# Commands per emoji task (docs/scaling.md): the outbox script (SET NX + XADD) once,
# XREADGROUP once per batch read, XACK once, the submit limiter's and the per-user
# share's scripts once each, ZREM once, and a heartbeat XCLAIM per batch per interval.
# Not a test: it prints numbers. Its keys are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(scripts/stack env)"
host=${REDIS_HOST:-127.0.0.1}
port=${BENCH_REDIS_PORT:-$REDIS_PORT}
db=${BENCH_REDIS_DB:-8}
requests=${BENCH_REQUESTS:-100000}
clients=${BENCH_CLIENTS:-50}
stream="galley_bench:{s}"
cli() { redis-cli -h "$host" -p "$port" -n "$db" "$@"; }
rate() {  # label, pipeline depth, command…  (N: requests, RANGE: __rand_int__ below it)
  local label=$1 depth=$2; shift 2
  local out
  out=$(redis-benchmark -h "$host" -p "$port" --dbnum "$db" -c "$clients" -n "${N:-$requests}" -P "$depth" \
        -r "${RANGE:-100000000}" -q "$@" 2>/dev/null \
        | tr '\r' '\n' | grep 'requests per second' | tail -1)
  printf '%-44s P=%-2s %s\n' "$label" "$depth" "${out##*: }"
}
cleanup() { cli DEL "$stream" >/dev/null; cli --scan --pattern 'galley_bench:*' | xargs -r -n 500 redis-cli -h "$host" -p "$port" -n "$db" DEL >/dev/null; }
trap cleanup EXIT
cleanup

script="if redis.call('SET', KEYS[2], '1', 'NX', 'EX', 86400) then return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2)) else return false end"
# Server time per call (INFO commandstats) says what the node itself spends, whatever the
# load on the benchmark client; the rates above include the client and the network.
cli CONFIG RESETSTAT >/dev/null
echo "== one Redis node ($(redis-cli -h "$host" -p "$port" info server | grep -m1 redis_version | tr -d '\r')), $clients clients, $requests requests each"
echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for depth in 1 16; do
  rate "XADD (plain)" "$depth" XADD "$stream" MAXLEN '~' 1000000 '*' task_id __rand_int__ user_id 7
  rate "outbox script (SET NX + XADD)" "$depth" EVAL "$script" 2 "$stream" "galley_bench:{s}:sent:__rand_int__" 1000000 task_id __rand_int__ user_id 7
done

# Reads: a stream of distinct ids 1-0 … N-0 read into the group's PEL (each read takes
# entries no read took before), then acknowledged at random ids among them.
entries=$((requests * 4 + 1000))
cli DEL "$stream" >/dev/null
cli XGROUP CREATE "$stream" g 0 MKSTREAM >/dev/null
seq 1 "$entries" | awk -v s="$stream" '{ printf "XADD %s %d-0 task_id %d\n", s, $1, $1 }' | cli --pipe >/dev/null
for depth in 1 16; do
  rate "XREADGROUP COUNT 1" "$depth" XREADGROUP GROUP g c COUNT 1 STREAMS "$stream" '>'
done
for depth in 1 16; do
  N=$((requests / 16)) rate "XREADGROUP COUNT 16 (calls; x16 entries)" "$depth" XREADGROUP GROUP g c COUNT 16 STREAMS "$stream" '>'
done
for depth in 1 16; do
  RANGE=$entries rate "XACK (ids in the PEL)" "$depth" XACK "$stream" g __rand_int__-0
done
RANGE=$entries rate "XCLAIM heartbeat (one id, JUSTID)" 1 XCLAIM "$stream" g c 0 __rand_int__-0 JUSTID
rate "EVAL small script (limiter-like GET+SET)" 1 EVAL "local v = redis.call('GET', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000) return v" 1 "galley_bench:{s}:limit" __rand_int__
echo "   pending after the reads: $(cli XPENDING "$stream" g | head -1) (of $entries entries)"
echo "== server time per call (INFO commandstats: usec_per_call, excluding socket I/O)"
cli INFO commandstats | tr -d '\r' | grep -E '^cmdstat_(xadd|eval|xreadgroup|xack|xclaim|set|get|zrem|incr):' \
  | sed -E 's/^cmdstat_([a-z]+):calls=([0-9]+),usec=[0-9]+,usec_per_call=([0-9.]+).*/   \1: \3 us a call (\2 calls)/'
