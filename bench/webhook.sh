#!/usr/bin/env bash
# Webhook speed, a benchmark and not a test:
#  1. events applied per second by ONE WebhookWorker (release build, default settings),
#     with N stored events put into revenuecat_events + the webhook_events stream the way the
#     gateway stores them, and where the CPU went meanwhile (worker, PostgreSQL, Redis);
#  2. baselines measured on the same database: N single-row UPDATE transactions by pgbench
#     (1 and 16 clients), and N transactions of the writes one subscription event makes
#     (16 clients), so the worker's number reads as a ratio of what the machine does anyway;
#  3. cost growth: the same mix at 1×, 4× and 16× the work (N/16, N/4, N events and users);
#  4. the gateway's accept rate for POST /api/v1/subscription/webhook under wrk, and the
#     worker's rate on the events the gateway stored under that load.
# Everything runs in a scratch database and a scratch Redis DB, removed at the end.
#
#   bench/webhook.sh [N]          N stored events (default 20000)
#   BENCH_REDIS_DB=11 BENCH_WRK_SECONDS=10 bench/webhook.sh
#   BENCH_PERF=/tmp/worker.perf bench/webhook.sh   also perf-records the worker while it applies
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

N=${1:-20000}
USERS=$(( N / 4 > 0 ? N / 4 : 1 ))
REDIS_DB_BENCH=${BENCH_REDIS_DB:-11}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}

# The stack may already run (from another checkout, same ports): start it only when down.
stack_status=$(scripts/stack status 2>/dev/null || true)
case "$stack_status" in
  *"redis: up"*"postgresql: up"*) ;;
  *) scripts/stack start >/dev/null ;;
esac
eval "$(scripts/stack env)"
export REDIS_DB=$REDIS_DB_BENCH
export ENVIRONMENT=local LOG_LEVEL=warning MIGRATE_ON_START=true
export WEBHOOK_WORKER_CONSUMER=bench
export METRICS_PORT=0
unset SNOWFLAKE_NODE_ID CONFIG_PATH

echo "bench: building the release binaries…" >&2
swift build -c release --product WebhookWorker 2>&1 | grep -E "error|warning: |Compiling|Build complete" | tail -3 >&2 || true
swift build -c release --product APIGateway 2>&1 | grep -E "error|warning: |Build complete" | tail -2 >&2 || true
bin=$(swift build -c release --show-bin-path)

db="bench_webhook_$$"
export POSTGRES_DB=$db
pg() { psql -X -q -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$db" -v ON_ERROR_STOP=1 "$@"; }
rc() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_DB" "$@"; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rc DEL webhook_events webhook_events:dead >/dev/null 2>&1 || true
  psql -X -q -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM


# Starts one worker in the background; sets $worker.
start_worker() {
  "$bin/WebhookWorker" >>"$logdir/worker.log" 2>&1 &
  worker=$!
  pids+=("$worker")
}
stop_worker() {
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
logdir=$(mktemp -d)

# A fresh database $db holding $2 users as login creates them and $1 events as the gateway
# stores them (a mix of purchases, renewals, pack purchases and cancellations), with the
# stream entries as the gateway's outbox XADDs them. The worker migrates it on start.
prepare() {
  local n=$1 users=$2
  psql -X -q -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE $db"
  rc DEL webhook_events webhook_events:dead >/dev/null
  start_worker
  for _ in $(seq 1 300); do
    [ "$(pg -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'galley_migrations'")" = 1 ] \
      && [ "$(pg -Atc "SELECT count(*) FROM galley_migrations WHERE version = 4")" = 1 ] && break
    sleep 0.1
  done
  stop_worker
  pg <<SQL
INSERT INTO users (id, device_id, created_at, updated_at)
  SELECT 5000000 + g, 'bench-' || g, now(), now() FROM generate_series(1, $users) g;
INSERT INTO user_points (id, user_id, balance, updated_at)
  SELECT 9000000 + g, 5000000 + g, 0, now() FROM generate_series(1, $users) g;
INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, app_user_id, event_timestamp_ms, updated_at)
SELECT g, 'bench-' || g, t.type,
       json_build_object('api_version', '1.0', 'event', json_build_object(
         'id', 'bench-' || g, 'type', t.type, 'event_timestamp_ms', x.ts,
         'app_user_id', (5000000 + x.u)::text, 'original_app_user_id', '\$RCAnonymousID:bench' || x.u,
         'aliases', json_build_array('\$RCAnonymousID:bench' || x.u),
         'product_id', t.product, 'period_type', 'NORMAL', 'purchased_at_ms', x.ts - 1000,
         'expiration_at_ms', CASE WHEN t.product = 'weekly_001' THEN x.ts + 604800000 END,
         'transaction_id', 'bench-txn-' || g, 'original_transaction_id', 'bench-otxn-' || x.u,
         'price', 4.99, 'currency', 'USD', 'environment', 'PRODUCTION', 'store', 'APP_STORE',
         'cancel_reason', CASE WHEN t.type = 'CANCELLATION' THEN 'UNSUBSCRIBE' END)),
       now(), 'received', (5000000 + x.u)::text, x.ts, now()
FROM generate_series(1, $n) g
CROSS JOIN LATERAL (SELECT 1 + (g % $users) AS u, (extract(epoch FROM now()) * 1000)::bigint + g AS ts) x
CROSS JOIN LATERAL (SELECT CASE g % 4 WHEN 0 THEN 'INITIAL_PURCHASE' WHEN 1 THEN 'RENEWAL'
                                      WHEN 2 THEN 'NON_RENEWING_PURCHASE' ELSE 'CANCELLATION' END AS type,
                           CASE WHEN g % 4 = 2 THEN 'points_1000' ELSE 'weekly_001' END AS product) t;
ANALYZE;
SQL
  seq 1 "$n" | awk '{ id = "bench-" $1; printf "*5\r\n$4\r\nXADD\r\n$14\r\nwebhook_events\r\n$1\r\n*\r\n$8\r\nevent_id\r\n$%d\r\n%s\r\n", length(id), id }' \
    | rc --pipe >/dev/null
}
drop_db() {
  psql -X -q -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}

# CPU ticks used so far by the worker, PostgreSQL's processes (postmaster and children)
# and Redis, one "role pid ticks" line each, into file $1; cpu_used compares two such
# files (a backend the worker opened meanwhile counts whole; one that ended is left out).
hz=$(getconf CLK_TCK)
postmaster=$(head -1 "$(psql -X -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -Atc 'SHOW data_directory')/postmaster.pid" 2>/dev/null || echo 0)
redis_pid=$(rc INFO server | awk -F: '/^process_id/ { print $2+0 }')
cpu_snapshot() {
  {
    awk -v r=worker -v p="$worker" '{ print r, p, $14 + $15 }' "/proc/$worker/stat" 2>/dev/null
    awk -v r=redis -v p="$redis_pid" '{ print r, p, $14 + $15 }' "/proc/$redis_pid/stat" 2>/dev/null
    for p in "$postmaster" $(ps --ppid "$postmaster" -o pid= 2>/dev/null); do
      awk -v r=postgresql -v p="$p" '{ print r, p, $14 + $15 }' "/proc/$p/stat" 2>/dev/null
    done
  } >"$1"
}
cpu_used() {
  awk -v hz="$hz" 'NR == FNR { before[$2] = $3; next } { used[$1] += $3 - before[$2] }
    END { printf "  cpu while applying: worker %.2f s, postgresql %.2f s, redis %.2f s\n", used["worker"] / hz, used["postgresql"] / hz, used["redis"] / hz }' "$1" "$2"
}

# Applies the events whose id matches $2 (a LIKE pattern) with one worker; prints
# "events seconds", the seconds from the rows' first to last processed_at.
measure_worker() {
  local expected=$1 pattern=$2 done=0 perf=""
  start_worker
  cpu_snapshot "$logdir/cpu.before"
  if [ -n "${BENCH_PERF:-}" ]; then
    perf record -q -g -p "$worker" -o "$BENCH_PERF" >/dev/null 2>&1 &
    perf=$!
  fi
  for _ in $(seq 1 1200); do
    done=$(pg -Atc "SELECT count(*) FROM revenuecat_events WHERE status IN ('processed', 'ignored') AND event_id LIKE '$pattern'")
    [ "$done" -ge "$expected" ] && break
    sleep 0.5  # the count scans the table: polled sparingly, it is not part of the figure
  done
  cpu_snapshot "$logdir/cpu.after"
  [ -n "$perf" ] && { kill -INT "$perf" 2>/dev/null || true; wait "$perf" 2>/dev/null || true; }
  stop_worker
  # Where the CPU went while it applied.
  cpu_used "$logdir/cpu.before" "$logdir/cpu.after" >"$logdir/cpu.txt"
  pg -Atc "SELECT count(*) || ' ' || COALESCE(extract(epoch FROM max(processed_at) - min(processed_at)), 0)
           FROM revenuecat_events WHERE status IN ('processed', 'ignored') AND event_id LIKE '$pattern'"
}

# Cost growth: the same mix at 1/16 and 1/4 of the work (events and users), each in a
# fresh database, before the full run below (16×).
growth=()
for part in 16 4; do
  n=$(( N / part )); u=$(( USERS / part > 0 ? USERS / part : 1 ))
  echo "bench: cost growth, $n events over $u users…" >&2
  db="bench_webhook_$$_$part"; export POSTGRES_DB=$db
  prepare "$n" "$u"
  read -r g_applied g_seconds <<<"$(measure_worker "$n" "bench-%")"
  growth+=("$(awk -v x=$(( 16 / part )) -v n="$n" -v u="$u" -v a="$g_applied" -v s="$g_seconds" \
    'BEGIN { printf "  %2d×: %6d events, %5d users: %.2f s = %.0f events/s, %.0f µs per event", x, n, u, s, (s > 0 ? (a - 1) / s : 0), (a > 1 ? s * 1e6 / (a - 1) : 0) }') $(sed 's/^ *cpu while applying: //' "$logdir/cpu.txt")")
  drop_db
done
db="bench_webhook_$$"; export POSTGRES_DB=$db
prepare "$N" "$USERS"

echo "bench: applying $N stored events with one worker…" >&2
read -r applied seconds <<<"$(measure_worker "$N" "bench-%")"
growth+=("$(awk -v n="$N" -v u="$USERS" -v a="$applied" -v s="$seconds" \
  'BEGIN { printf "  16×: %6d events, %5d users: %.2f s = %.0f events/s, %.0f µs per event", n, u, s, (s > 0 ? (a - 1) / s : 0), (a > 1 ? s * 1e6 / (a - 1) : 0) }') $(sed 's/^ *cpu while applying: //' "$logdir/cpu.txt")")
worker_rate=$(awk -v n="$applied" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? (n - 1) / s : 0) }')
failed=$(pg -Atc "SELECT count(*) FROM revenuecat_events WHERE status NOT IN ('processed', 'ignored')")
violations=$(pg -Atc "SELECT count(*) FROM user_points up LEFT JOIN (SELECT user_id, sum(amount) s FROM point_transactions GROUP BY user_id) t USING (user_id) WHERE up.balance <> COALESCE(t.s, 0) OR up.balance < 0")

# Baseline: the same number of single-row UPDATE transactions on the same table.
concurrency=${WEBHOOK_WORKER_CONCURRENCY:-256}
cat >"$logdir/update.sql" <<SQL
\set id random(1, $N)
UPDATE revenuecat_events SET updated_at = now() WHERE id = :id;
SQL
pgbench_tps() {
  PGPASSWORD="${POSTGRES_PASSWORD:-}" pgbench -n -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" \
    -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -t "$(( N / $1 ))" -f "$logdir/update.sql" "$db" 2>/dev/null \
    | awk '/^tps/ { printf "%.0f", $3; exit }'
}
echo "bench: baseline (pgbench single-row UPDATE transactions)…" >&2
base1=$(pgbench_tps 1)
baseC=$(pgbench_tps 16)
# The same writes a subscription event makes (its event row, the subscription upsert, the
# user's VIP columns), one transaction per event, as a worker without batching would.
cat >"$logdir/event.sql" <<SQL
\set g random(1, $N)
\set u 5000001 + (:g % $USERS)
BEGIN;
UPDATE revenuecat_events SET status = 'processed', attempts = attempts + 1, processed_at = now(), updated_at = now(),
  user_id = :u, applied_kind = 'subscription', product_id = 'weekly_001', rc_ids = ARRAY[:u::text]::varchar[] WHERE id = :g;
INSERT INTO subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew, current_period_start,
  current_period_end, created_at, updated_at, last_event_ms)
  VALUES (100000000 + :g, :u, :u::text, 'weekly_001', 'weekly', 'active', true, now(), now() + interval '7 days', now(), now(), :g)
  ON CONFLICT (user_id, product_id) DO UPDATE SET current_period_end = EXCLUDED.current_period_end,
    last_event_ms = EXCLUDED.last_event_ms, updated_at = now();
UPDATE users SET is_vip = true, vip_type = 'weekly', vip_expire_time = now() + interval '7 days', updated_at = now() WHERE id = :u;
END;
SQL
event_clients=16
baseE=$(PGPASSWORD="${POSTGRES_PASSWORD:-}" pgbench -n -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" \
    -c "$event_clients" -j 2 -t "$(( N / event_clients ))" -f "$logdir/event.sql" "$db" 2>/dev/null \
    | awk '/^tps/ { printf "%.0f", $3; exit }')

echo
echo "webhook worker (1 process, concurrency $concurrency): $applied events applied in ${seconds}s = $worker_rate events/s"
echo "  left not applied: $failed; ledger violations: $violations"
cat "$logdir/cpu.txt"
echo "baseline, single-row UPDATE transactions (pgbench): 1 client $base1 tps; 16 clients $baseC tps"
awk -v w="$worker_rate" -v a="$base1" -v b="$baseC" \
  'BEGIN { if (a > 0 && b > 0) printf "ratio: worker / 1-client baseline = %.2f; worker / 16-client baseline = %.2f\n", w / a, w / b }'
echo "baseline, a subscription event's writes one transaction per event (pgbench, $event_clients clients): ${baseE:-?} events/s"
awk -v w="$worker_rate" -v e="${baseE:-0}" 'BEGIN { if (e > 0) printf "ratio: worker / per-event-transaction baseline = %.2f\n", w / e }'
echo "cost growth (the same mix; time from the first to the last event applied):"
printf '%s\n' "${growth[@]}"

# The gateway's accept rate, when this build has the webhook route.
port=$(( 20000 + $$ % 20000 ))
PORT=$port HOST=127.0.0.1 "$bin/APIGateway" >>"$logdir/gateway.log" 2>&1 &
gateway=$!
pids+=("$gateway")
probe=""
for _ in $(seq 1 100); do
  probe=$(curl -s -m 2 -X POST "http://127.0.0.1:$port/api/v1/subscription/webhook" \
    -H "Authorization: Bearer $REVENUECAT_WEBHOOK_SECRET" -H "Content-Type: application/json" \
    -d '{"api_version":"1.0","event":{"id":"bench-probe","type":"TEST","event_timestamp_ms":1}}' 2>/dev/null || true)
  case "$probe" in *received*) break ;; esac
  kill -0 "$gateway" 2>/dev/null || break
  sleep 0.2
done
case "$probe" in
  *received*)
    cat >"$logdir/webhook.lua" <<LUA
local counter = 0
local thread_id = 0
local next_thread = 0
function setup(thread) thread:set("tid", next_thread); next_thread = next_thread + 1 end
function init(args) thread_id = tid end
function request()
  counter = counter + 1
  local u = 5000001 + ((counter * 7 + thread_id) % $USERS)
  local id = "wrk-" .. thread_id .. "-" .. counter
  local body = '{"api_version":"1.0","event":{"id":"' .. id .. '","type":"RENEWAL","event_timestamp_ms":' .. (1800000000000 + counter) ..
    ',"app_user_id":"' .. u .. '","aliases":[],"product_id":"weekly_001","purchased_at_ms":' .. (1800000000000 + counter) ..
    ',"expiration_at_ms":' .. (1800604800000 + counter) .. ',"transaction_id":"' .. id .. '","environment":"PRODUCTION","store":"APP_STORE"}}'
  return wrk.format("POST", "/api/v1/subscription/webhook",
    {["Authorization"] = "Bearer $REVENUECAT_WEBHOOK_SECRET", ["Content-Type"] = "application/json"}, body)
end
LUA
    echo "bench: gateway accept rate (wrk, ${WRK_SECONDS}s)…" >&2
    wrk -t2 -c32 -d"${WRK_SECONDS}s" -s "$logdir/webhook.lua" "http://127.0.0.1:$port" >"$logdir/wrk.txt" 2>&1 || true
    accept=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$logdir/wrk.txt")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$logdir/wrk.txt")
    echo "gateway webhook accept rate: ${accept:-?} requests/s (non-2xx: ${non2xx:-0})"
    kill -TERM "$gateway" 2>/dev/null || true
    wait "$gateway" 2>/dev/null || true
    gateway_events=$(pg -Atc "SELECT count(*) FROM revenuecat_events WHERE event_id LIKE 'wrk-%'")
    echo "bench: applying the $gateway_events events the gateway stored under load…" >&2
    read -r applied2 seconds2 <<<"$(measure_worker "$gateway_events" "wrk-%")"
    rate2=$(awk -v n="$applied2" -v s="$seconds2" 'BEGIN { printf "%.0f", (s > 0 ? (n - 1) / s : 0) }')
    echo "webhook worker on gateway-stored events: $applied2 applied in ${seconds2}s = $rate2 events/s"
    cat "$logdir/cpu.txt"
    ;;
  *)
    kill -TERM "$gateway" 2>/dev/null || true
    wait "$gateway" 2>/dev/null || true
    echo "gateway webhook accept rate: skipped (this build's APIGateway does not answer POST /api/v1/subscription/webhook yet)"
    ;;
esac
