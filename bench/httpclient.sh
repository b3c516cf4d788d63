#!/usr/bin/env bash
# Outbound HTTP: the libcurl client (GalleyHTTPClient) against URLSession set up as the
# EmojiWorker set it up before (a round robin of sessions), in the same run, as ratios:
#   1. held: 10 000 requests in flight at once, each answered after 5 s by a loopback
#      server (bench/held_server.py), one connection each: RSS peak, memory per request
#      in flight, CPU, wall time;
#   2. throughput: 50 000 task queries against the fake DashScope (answers at once),
#      256 in flight over 64 connections: requests/s and CPU per request.
# Every figure comes from a fresh client process (HTTPClientBench), so RSS peaks do
# not carry over.
#
#   bench/httpclient.sh
#   BENCH_HELD=2000 BENCH_HOLD_SECONDS=2 BENCH_QUERIES=10000 bench/httpclient.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

held=${BENCH_HELD:-10000}
hold=${BENCH_HOLD_SECONDS:-5}
queries=${BENCH_QUERIES:-50000}
query_concurrency=${BENCH_QUERY_CONCURRENCY:-256}
query_connections=${BENCH_QUERY_CONNECTIONS:-64}
held_port=${BENCH_HELD_PORT:-18411}
fake_port=${BENCH_FAKE_PORT:-18412}
ulimit -n "$(( held * 2 + 1024 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "== build (release)"
swift build -c release --product HTTPClientBench 2>&1 | tail -n 1
swift build -c release --product FakeDashScope 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
server_pid=""
fake_pid=""
cleanup() {
  for pid in $server_pid $fake_pid; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

python3 bench/held_server.py "$held_port" "$hold" >"$work/held.log" 2>&1 &
server_pid=$!
FAKE_DASHSCOPE_PORT=$fake_port LOG_LEVEL=warning "$bin/FakeDashScope" >"$work/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$fake_port/_fake/stats" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$held_port/_peak" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2)"

# field LINE NAME: the value of NAME=... in a result line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "== 1. held: $held requests in flight, answered after $hold s, $held connections"
# The server's count of requests it held at once: what really was in flight.
peak() { curl -fsS "http://127.0.0.1:$held_port/_peak"; }
peak >/dev/null
held_curl=$("$bin/HTTPClientBench" curl "http://127.0.0.1:$held_port/api/v1/tasks/" "$held" "$held" "$held" 120)
held_curl="$held_curl server_peak=$(peak)"
echo "$held_curl"
held_url=$("$bin/HTTPClientBench" urlsession "http://127.0.0.1:$held_port/api/v1/tasks/" "$held" "$held" "$held" 120)
held_url="$held_url server_peak=$(peak)"
echo "$held_url"

echo "== 2. throughput: $queries task queries to the fake DashScope, $query_concurrency in flight, $query_connections connections"
for _ in 1 2; do
  tp_curl=$("$bin/HTTPClientBench" curl "http://127.0.0.1:$fake_port/api/v1/tasks/" "$queries" "$query_concurrency" "$query_connections" 30)
  echo "$tp_curl"
  tp_url=$("$bin/HTTPClientBench" urlsession "http://127.0.0.1:$fake_port/api/v1/tasks/" "$queries" "$query_concurrency" "$query_connections" 30)
  echo "$tp_url"
done

cpu_per() { awk -v c="$(field "$1" cpu_s)" -v n="$(field "$1" requests)" 'BEGIN { printf "%.1f", 1e6 * c / n }'; }
echo "== summary (libcurl / URLSession; the last throughput round)"
printf '%-44s %14s %14s %8s\n' "figure" "libcurl" "URLSession" "ratio"
row() { printf '%-44s %14s %14s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }
row "held: RSS peak (MB)" "$(field "$held_curl" rss_peak_mb)" "$(field "$held_url" rss_peak_mb)"
row "held: peak in flight (server's count)" "$(field "$held_curl" server_peak)" "$(field "$held_url" server_peak)"
# (RSS peak - RSS before) / the server's peak: the memory one request in flight costs.
per() { awk -v a="$(field "$1" rss_peak_mb)" -v b="$(field "$1" rss_before_mb)" -v n="$(field "$1" server_peak)" 'BEGIN { if (n > 0) printf "%.1f", 1024 * (a - b) / n; else print "-" }'; }
row "held: KB per request in flight" "$(per "$held_curl")" "$(per "$held_url")"
row "held: wall time (s; ideal $hold)" "$(field "$held_curl" seconds)" "$(field "$held_url" seconds)"
row "held: CPU (s)" "$(field "$held_curl" cpu_s)" "$(field "$held_url" cpu_s)"
row "held: failures" "$(field "$held_curl" failures)" "$(field "$held_url" failures)"
row "throughput: requests/s" "$(field "$tp_curl" rps)" "$(field "$tp_url" rps)"
row "throughput: CPU per request (us)" "$(cpu_per "$tp_curl")" "$(cpu_per "$tp_url")"
row "throughput: RSS peak (MB)" "$(field "$tp_curl" rss_peak_mb)" "$(field "$tp_url" rss_peak_mb)"
row "throughput: failures" "$(field "$tp_curl" failures)" "$(field "$tp_url" failures)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
