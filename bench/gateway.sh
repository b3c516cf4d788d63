#!/usr/bin/env bash
# The gateway's speed with the default settings: a release build on the local stack, wrk
# at 64 connections, each route alternating with its same-run baseline (route, baseline,
# route, baseline... BENCH_ROUNDS times, BENCH_SECONDS each) and the median of the
# per-round ratios reported, so a noisy neighbour weighs on both sides alike:
#   GET /health            nginx `return 200`, as many workers as the gateway's HTTP threads
#   GET /points/balance,   pgbench running the statement they run (bench/read_by_id.sql)
#   GET /user/profile      (the same statement: the token is checked without the database)
#   POST /auth/login       pgbench, bench/read_by_device.sql (a known device)
# These three are answered on libmicrohttpd's threads with each thread's own session
# (lanes); the gateway's lane counter after the reads shows how many were.
#   POST /emoji/create     pgbench, bench/create.sql: one transaction per create
# then create at 4, 16 and 64 connections (cost growth). Every setting is the default but
# the rate limits, which are off: one address and 64 devices pass them within a second,
# and a run with them on measures 429 answers (the login figure of the first wave did).
#
#   bench/gateway.sh                       uses the local stack (scripts/stack start)
#   BENCH_SECONDS=10 BENCH_ROUNDS=5 BENCH_HTTP_WORKERS=64 bench/gateway.sh
#
# Not a test: it prints numbers. Its database and Redis keys are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

seconds=${BENCH_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_WRK_THREADS:-2}
users=${BENCH_USERS:-64}
rounds=${BENCH_ROUNDS:-3}
redis_db=${BENCH_REDIS_DB:-8}
routes=${BENCH_ROUTES:-health balance profile login create}
# The settings an operator gets by default, unless BENCH_HTTP_WORKERS / BENCH_DB_POOL /
# BENCH_HTTP_THREADS name others (then the figures are labelled with them).
tuning=()
settings_label="defaults"
[ -n "${BENCH_HTTP_WORKERS:-}" ] && tuning+=("HTTP_WORKERS=$BENCH_HTTP_WORKERS")
[ -n "${BENCH_DB_POOL:-}" ] && tuning+=("DB_POOL_SIZE=$BENCH_DB_POOL")
[ -n "${BENCH_HTTP_THREADS:-}" ] && tuning+=("HTTP_THREADS=$BENCH_HTTP_THREADS")
[ ${#tuning[@]} -gt 0 ] && settings_label="${tuning[*]}"
http_threads=${BENCH_HTTP_THREADS:-$(nproc)}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing: apt-get install -y postgresql-client" >&2; exit 1; }

eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
admin_db=$POSTGRES_DB
db="galley_gateway_bench_$$"
work=$(mktemp -d)
port=${BENCH_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
gateway_pid=""
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" "$@"; }

cleanup() {
  [ -n "${nginx_pid:-}" ] && { kill -TERM "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; }
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
  fi
  redis DEL emoji_tasks >/dev/null 2>&1 || true
  redis --scan --pattern 'galley:outbox:sent:*' 2>/dev/null | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" DEL >/dev/null 2>&1 || true
  psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (release)"
swift build -c release --product APIGateway 2>&1 | tail -n 1
bin="$(swift build -c release --product APIGateway --show-bin-path)/APIGateway"

echo "== database $db, gateway on :$port (settings: $settings_label)"
psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
env ${tuning[@]+"${tuning[@]}"} POSTGRES_DB=$db REDIS_DB=$redis_db PORT=$port HOST=127.0.0.1 LOG_LEVEL=warning \
  RATE_LIMIT_LOGIN_PER_MINUTE=0 RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE=0 RATE_LIMIT_CREATE_PER_MINUTE=0 MIGRATE_ON_START=true \
  ALIYUN_EMOJI_MOCK=true STORAGE_BACKEND=local STORAGE_LOCAL_DIR="$work/objects" \
  "$bin" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 1 100); do
  curl -fs "$base/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log"; exit 1; }
  sleep 0.1
done

echo "== $users bench users, each funded with 10^9 points"
psql_db <<SQL
INSERT INTO users (id, device_id, is_vip, created_at, updated_at)
SELECT 100000000000 + g, 'bench-' || g, false, now(), now() FROM generate_series(1, $users) AS g;
INSERT INTO user_points (id, user_id, balance, updated_at)
SELECT 200000000000 + g, 100000000000 + g, 1000000000, now() FROM generate_series(1, $users) AS g;
INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at)
SELECT 300000000000 + g, 100000000000 + g, 'purchase', 1000000000, 1000000000, now() FROM generate_series(1, $users) AS g;
CREATE SEQUENCE bench_ids START 900000000000000000;
ANALYZE;
SQL
: >"$work/tokens"
for g in $(seq 1 "$users"); do
  curl -fs -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' -d "{\"device_id\":\"bench-$g\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])' >>"$work/tokens"
done
export BENCH_TOKENS="$work/tokens" BENCH_DIR="$root/bench" BENCH_USERS="$users"

# CPU seconds (user + system) of a set of processes, from /proc.
cpu_of() {  # pids...
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
postgres_pids() { pgrep -x postgres 2>/dev/null || pgrep -f '^postgres' 2>/dev/null || true; }
# This stack's PostgreSQL only (the machine may run others): its postmaster, the live
# backends and the ones already gone (the postmaster's reaped children's time).
pg_master=$(head -n 1 "$(psql_db -tAc 'SHOW data_directory')/postmaster.pid" 2>/dev/null || true)
stack_pg_cpu() {
  [ -n "$pg_master" ] && [ -r "/proc/$pg_master/stat" ] || { echo 0; return; }
  echo $(( $(cpu_of "$pg_master" $(ps -o pid= --ppid "$pg_master")) + $(awk '{print $16 + $17}' "/proc/$pg_master/stat") ))
}
# Microseconds of CPU per request from two tick counts and a rate over $seconds.
per_request() { awk -v t="$1" -v r="$2" -v s="$seconds" -v hz="$hz" 'BEGIN { printf "%.0f", (r > 0 ? t / hz * 1e6 / (r * s) : 0) }'; }
redis_pid=$(redis INFO server | awk -F: '/^process_id:/ {print $2}' | tr -d '\r')
hz=$(getconf CLK_TCK)

declare -A rps p50 p99 bad
run() {  # name method path [script]
  local name=$1 script=${4:-}
  local out="$work/wrk-$name"
  if [ -n "$script" ]; then
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$script" "$base$3" >"$out"
  else
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$base$3" >"$out"
  fi
  rps[$name]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50[$name]=$(awk '$1 == "50%" {print $2}' "$out")
  p99[$name]=$(awk '$1 == "99%" {print $2}' "$out")
  bad[$name]=$(awk '/Non-2xx or 3xx responses:/ {n += $5}
    /Socket errors:/ {for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) {gsub(",", "", $i); n += $i}}
    END {print n + 0}' "$out")
  printf "%-22s %12s req/s   p50 %-9s p99 %-9s errors %s\n" "$2 $3" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${bad[$name]:-0}"
  # Which errors: non-2xx answers, or wrk's socket errors (a timeout is 2 s without an answer).
  grep -E "Non-2xx|Socket errors" "$out" | sed 's/^ */   /' || true
}

echo "== wrk -t$threads -c$connections -d${seconds}s --latency; $rounds alternating rounds per pair, median of the per-round ratios"
wants() { [[ " $routes " == *" $1 "* ]]; }
# pgbench's rate for a script (prints tps), with the bench users' count as a variable.
pg_rate() {  # script clients
  # shellcheck disable=SC2086 # PG_EXTRA: extra pgbench arguments, word-split on purpose
  pgbench -n -M prepared -c "$2" -j 2 -T "$seconds" -D users="$users" ${PG_EXTRA:-} -f "$1" "$db" >"$work/pgbench" 2>&1 \
    || { cat "$work/pgbench" >&2; echo 0; return; }
  awk '/^tps = / {printf "%.0f", $3; exit}' "$work/pgbench"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }
declare -A summary

# A route against its same-run baseline, alternating: route, baseline, route, baseline...
pair() {  # name method path lua baseline-label baseline-command...
  local name=$1 method=$2 path=$3 lua=$4 label=$5; shift 5
  local ratios="" rates="" bases="" p99s="" round measured g0 g1 p0 p1 gw="" pg="" pr=""
  for round in $(seq 1 "$rounds"); do
    g0=$(cpu_of "$gateway_pid"); p0=$(stack_pg_cpu)
    run "$name" "$method" "$path" "$lua"
    g1=$(cpu_of "$gateway_pid"); p1=$(stack_pg_cpu)
    pr="$pr $(per_request $((p1 - p0)) "${rps[$name]}")"
    measured=$("$@")
    p0=$p1; p1=$(stack_pg_cpu)
    printf "%-22s %12s /s   (%s)\n" "  baseline" "$measured" "$label"
    rates="$rates ${rps[$name]}"; bases="$bases $measured"; p99s="$p99s ${p99[$name]}"
    ratios="$ratios $(ratio "${rps[$name]}" "$measured")"
    gw="$gw $(per_request $((g1 - g0)) "${rps[$name]}")"; pg="$pg $(per_request $((p1 - p0)) "$measured")"
  done
  summary[$name]="$(echo "$rates" | median) req/s (p99s:$p99s) vs $label $(echo "$bases" | median)/s: median ratio $(echo "$ratios" | median) % (rounds:$ratios)"
  [ "$name" != create ] && [ -n "$pg_master" ] && summary[$name]+="; CPU µs per request: gateway $(echo "$gw" | median) (rounds:$gw), its postgres $(echo "$pr" | median); postgres per baseline transaction $(echo "$pg" | median)"
  echo "   $name: ${summary[$name]}"
}

# nginx answering `return 200` with as many worker processes as the gateway has HTTP threads.
nginx_pid=""
nginx_rate() {
  [ -n "$nginx_pid" ] || return 0
  wrk -t"$threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$nginx_port/" >"$work/wrk-nginx"
  awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk-nginx"
}
if wants health; then
  command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-core >/dev/null 2>&1; } || true
  nginx_port=${BENCH_NGINX_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  if command -v nginx >/dev/null; then
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $http_threads;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; location / { return 200 '{"status":"ok"}'; } }
}
CONF
    nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
    nginx_pid=$!
    sleep 0.5
  fi
  pair health GET /api/v1/health "" "nginx return 200 ($http_threads workers)" nginx_rate
  [ -n "$nginx_pid" ] && { kill -TERM "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""; }
fi
wants balance && pair balance GET /api/v1/points/balance "$root/bench/wrk/balance.lua" \
  "pgbench bench/read_by_id.sql" pg_rate "$root/bench/read_by_id.sql" "$connections"
wants profile && pair profile GET /api/v1/user/profile "$root/bench/wrk/profile.lua" \
  "pgbench bench/read_by_id.sql" pg_rate "$root/bench/read_by_id.sql" "$connections"
wants login && pair login POST /api/v1/auth/login "$root/bench/wrk/login.lua" \
  "pgbench bench/read_by_device.sql" pg_rate "$root/bench/read_by_device.sql" "$connections"
curl -fs "$base/metrics" 2>/dev/null | awk '/^galley_http_lane_requests_total/ {split($1, a, "\""); n[a[2]] = $2}
  END {if (n["lane"] + n["handler"] > 0) printf "   short reads answered on libmicrohttpd threads: %d, on handler threads: %d\n", n["lane"], n["handler"]}' || true

if wants create; then
  tasks_before=$(psql_db -tAc "SELECT count(*) FROM emoji_tasks")
  # The baseline's own tail: pgbench logs each transaction's latency, so the p99 aim for
  # create can be read against what one commit per create costs on this machine.
  create_base() {
    rm -f "$work"/pglog*
    local tps; tps=$(PG_EXTRA="-l --log-prefix=$work/pglog" pg_rate "$root/bench/create.sql" "$connections")
    cat "$work"/pglog* 2>/dev/null | awk '{print $3}' | sort -n \
      | awk '{a[NR] = $1} END {if (NR) printf "%.2fms\n", a[int(NR * 0.99)] / 1000}' >>"$work/create-base-p99"
    rm -f "$work"/pglog*
    psql_db -q -c "DELETE FROM outbox WHERE id >= 900000000000000000" -c "VACUUM outbox" >/dev/null
    echo "$tps"
  }
  pg_pids=$(postgres_pids | tr '\n' ' ')
  cpu0=("$(cpu_of $gateway_pid)" "$(cpu_of $pg_pids)")
  t0=$(date +%s.%N)
  pair create POST /api/v1/emoji/create "$root/bench/wrk/create.lua" "pgbench bench/create.sql (one transaction per create)" create_base
  t1=$(date +%s.%N)
  base_p99s=$(tr '\n' ' ' <"$work/create-base-p99" 2>/dev/null || true)
  echo "   pgbench's own p99 per create transaction, same rounds: $base_p99s"
  summary[create]+="; pgbench's own p99s: $base_p99s"
  cpu1=("$(cpu_of $gateway_pid)" "$(cpu_of $(postgres_pids))")
  awk -v g0="${cpu0[0]}" -v g1="${cpu1[0]}" -v p0="${cpu0[1]}" -v p1="${cpu1[1]}" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v n="$(nproc)" 'BEGIN {
    d = (t1 - t0) * hz
    printf "   CPU during the create rounds (cores, both sides): gateway %.2f, postgres %.2f (of %d)\n", (g1 - g0) / d, (p1 - p0) / d, n }'
  curl -fs "$base/metrics" 2>/dev/null | awk '/^galley_create_batch_statements / {s = $2} /^galley_create_batch_creates / {c = $2}
    END {if (s > 0) printf "   group commit: %d creates in %d statements, %.1f per statement\n", c, s, c / s}' || true
  sleep 2
  tasks_after=$(psql_db -tAc "SELECT count(*) FROM emoji_tasks WHERE id < 900000000000000000")
  stream=$(redis XLEN emoji_tasks)
  violations=$(psql_db -tAc "SELECT count(*) FROM user_points up LEFT JOIN (SELECT user_id, sum(amount) AS s FROM point_transactions GROUP BY user_id) t USING (user_id) WHERE up.balance <> COALESCE(t.s, 0)")
  echo "   create: $((tasks_after - tasks_before)) tasks written by the gateway, $stream entries in emoji_tasks, ledger violations: $violations"

  # Cost growth: the same create load at 1x, 4x and 16x the connections (4, 16, 64).
  echo "== create cost growth (connections 4, 16, 64; ${seconds} s each)"
  saved=$connections
  for c in 4 16 64; do
    connections=$c
    run create_c$c POST /api/v1/emoji/create "$root/bench/wrk/create.lua"
  done
  connections=$saved
fi

echo "== summary (settings: ${settings_label})"
for name in health balance profile login create; do
  [ -n "${summary[$name]:-}" ] && echo "$name: ${summary[$name]}"
done
for c in 4 16 64; do
  [ -n "${rps[create_c$c]:-}" ] && echo "create at $c connections: ${rps[create_c$c]} req/s, p99 ${p99[create_c$c]}"
done
true
