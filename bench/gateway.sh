#!/usr/bin/env bash
# The gateway's speed: a release build on the local stack, wrk at 64 connections for
# 10 s per route (GET /health, POST /auth/login, GET /points/balance, POST /emoji/create
# with pre-funded users), and in the same run PostgreSQL's own rate for the create
# transaction (pgbench, bench/create.sql: the same SQL), so create reads as a share of
# what the database can do.
#
#   bench/gateway.sh                       uses the local stack (scripts/stack start)
#   BENCH_SECONDS=30 BENCH_CONNECTIONS=128 bench/gateway.sh
#
# Not a test: it prints numbers. Its database and Redis keys are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_WRK_THREADS:-2}
users=${BENCH_USERS:-64}
redis_db=${BENCH_REDIS_DB:-8}
routes=${BENCH_ROUTES:-health login balance create}
# Handler threads and database sessions: 32 each (HTTP_WORKERS' default). On 2 cores
# more threads cost more in lock handoffs than they win in group commit.
db_pool=${BENCH_DB_POOL:-32}
workers=${BENCH_HTTP_WORKERS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing: apt-get install -y postgresql-client" >&2; exit 1; }

eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
admin_db=$POSTGRES_DB
db="galley_gateway_bench_$$"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
gateway_pid=""
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" "$@"; }

cleanup() {
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

echo "== database $db, gateway on :$port (HTTP_THREADS=2 HTTP_WORKERS=$workers DB_POOL_SIZE=$db_pool)"
psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
POSTGRES_DB=$db REDIS_DB=$redis_db PORT=$port HOST=127.0.0.1 HTTP_THREADS=2 LOG_LEVEL=warning \
  HTTP_WORKERS=$workers DB_POOL_SIZE=$db_pool \
  RATE_LIMIT_LOGIN_PER_MINUTE=0 RATE_LIMIT_CREATE_PER_MINUTE=0 MIGRATE_ON_START=true \
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
}

echo "== wrk -t$threads -c$connections -d${seconds}s --latency"
wants() { [[ " $routes " == *" $1 "* ]]; }
wants health && run health GET /api/v1/health
wants login && run login POST /api/v1/auth/login "$root/bench/wrk/login.lua"
wants balance && run balance GET /api/v1/points/balance "$root/bench/wrk/balance.lua"
# Create and pgbench alternate (BENCH_ROUNDS times, default 2) so a noisy neighbour on a
# shared machine weighs on both sides alike; the summary compares the best of each.
rounds=${BENCH_ROUNDS:-2}
best_create=0
best_pg=0
tasks_before=$(psql_db -tAc "SELECT count(*) FROM emoji_tasks")
for round in $(seq 1 "$rounds"); do
  pg_pids=$(postgres_pids | tr '\n' ' ')
  cpu0=("$(cpu_of $gateway_pid)" "$(cpu_of $pg_pids)" "$(cpu_of $redis_pid)")
  t0=$(date +%s.%N)
  run create POST /api/v1/emoji/create "$root/bench/wrk/create.lua"
  t1=$(date +%s.%N)
  cpu1=("$(cpu_of $gateway_pid)" "$(cpu_of $(postgres_pids))" "$(cpu_of $redis_pid)")
  awk -v g0="${cpu0[0]}" -v g1="${cpu1[0]}" -v p0="${cpu0[1]}" -v p1="${cpu1[1]}" -v r0="${cpu0[2]}" -v r1="${cpu1[2]}" \
      -v t0="$t0" -v t1="$t1" -v hz="$hz" -v n="$(nproc)" 'BEGIN {
    d = (t1 - t0) * hz
    printf "   CPU during create (cores): gateway %.2f, postgres %.2f, redis %.2f (of %d)\n", (g1 - g0) / d, (p1 - p0) / d, (r1 - r0) / d, n }'
  best_create=$(awk -v a="$best_create" -v b="${rps[create]}" 'BEGIN { print (b > a ? b : a) }')

  pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$root/bench/create.sql" "$db" >"$work/pgbench" 2>&1 \
    || { cat "$work/pgbench"; exit 1; }
  pg_tps=$(awk '/^tps = / {print $3; exit}' "$work/pgbench")
  pg_latency=$(awk '/^latency average = / {print $4 " " $5}' "$work/pgbench")
  printf "%-22s %12s tx/s    latency avg %s   (pgbench -n -M prepared -c %s -j 2 -T %s -f bench/create.sql)\n" \
    "pgbench create" "$pg_tps" "$pg_latency" "$connections" "$seconds"
  best_pg=$(awk -v a="$best_pg" -v b="$pg_tps" 'BEGIN { print (b > a ? b : a) }')
  psql_db -c "DELETE FROM outbox WHERE id >= 900000000000000000" -c "VACUUM outbox"
done
sleep 2
tasks_after=$(psql_db -tAc "SELECT count(*) FROM emoji_tasks WHERE id < 900000000000000000")
stream=$(redis XLEN emoji_tasks)
violations=$(psql_db -tAc "SELECT count(*) FROM user_points up LEFT JOIN (SELECT user_id, sum(amount) AS s FROM point_transactions GROUP BY user_id) t USING (user_id) WHERE up.balance <> COALESCE(t.s, 0)")
echo "   create: $((tasks_after - tasks_before)) tasks written by the gateway, $stream entries in emoji_tasks, ledger violations: $violations"

echo "== summary"
share=$(awk -v a="$best_create" -v b="$best_pg" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
echo "health ${rps[health]:-n/a} req/s (aim >= 100000); create best $best_create req/s = ${share}% of pgbench's best $best_pg tx/s (aim >= 70%)"
