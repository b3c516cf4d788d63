#!/usr/bin/env bash
# The operator console's domain operations (GalleyAdmin, through galleyctl) on a large
# database: 1 000 000 users, 5 000 000 ledger rows (plus one user with 100 000 of them),
# 1 000 000 tasks, 200 000 webhook events, 200 000 orders, 100 000 dead letters.
# Seeded with generate_series in a database of its own (migrated first, so every index
# of 0001–0021 is there), then each operation runs BENCH_RUNS times in one galleyctl; it
# prints the operation's own time (the call into AdminOperations, not the process start):
# the first run (cold: opening connections) and the median and max of the rest (warm).
# The aim is < 100 ms each. The console adds its HTTP page timing on top of these.
#
#   bench/console.sh                          uses the local stack (scripts/stack start)
#   BENCH_USERS=100000 bench/console.sh       smaller, quicker
#   BENCH_KEEP=1 bench/console.sh             keep the database (prints its name)
#
# Not a test: it prints numbers. Database and Redis database are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

users=${BENCH_USERS:-1000000}
ledger_per_user=${BENCH_LEDGER_PER_USER:-5}
heavy_rows=${BENCH_HEAVY_ROWS:-100000}
events=${BENCH_EVENTS:-200000}
dead=${BENCH_DEAD:-100000}
runs=${BENCH_RUNS:-11}
redis_db=${BENCH_REDIS_DB:-13}
config=${BENCH_CONFIG:-debug}

eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
admin_db=$POSTGRES_DB
db="galley_console_bench_$$"
rcli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
  [ "${BENCH_KEEP:-0}" = 1 ] && { echo "kept database $db, Redis db $redis_db"; return; }
  rcli flushdb >/dev/null 2>&1 || true
  psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== build ($config)"
swift build -c "$config" --product galleyctl 2>&1 | tail -n 1
swift build -c "$config" --product APIGateway 2>&1 | tail -n 1
bin=$(swift build -c "$config" --show-bin-path)
export POSTGRES_DB=$db REDIS_DB=$redis_db LOG_LEVEL=warning

echo "== database $db, Redis db $redis_db"
psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
"$bin/APIGateway" migrate >/dev/null
rcli flushdb >/dev/null

seconds() { local start=$1; awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
t=$(date +%s.%N)
echo "== seeding $users users, $((users * ledger_per_user + heavy_rows)) ledger rows, $users tasks, $events events, $dead dead letters"
psql_db <<SQL
SET synchronous_commit = off;
INSERT INTO users (id, device_id, nickname, is_vip, vip_type, created_at, updated_at)
SELECT i, 'device-' || i, NULL, i % 10 = 0, CASE WHEN i % 10 = 0 THEN 'weekly' END,
       now() - make_interval(secs => i), now()
FROM generate_series(1, $users) AS i;
INSERT INTO user_points (id, user_id, balance, updated_at)
SELECT i, i, CASE WHEN i = 1 THEN $heavy_rows * 10 ELSE $ledger_per_user * 10 END, now() FROM generate_series(1, $users) AS i;
INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, created_at)
SELECT u * 100 + k, u, 'reward', 10, k * 10, 'bench', now() - make_interval(secs => u * 10 - k)
FROM generate_series(1, $users) AS u, generate_series(1, $ledger_per_user) AS k;
INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, created_at)
SELECT 10000000000 + k, 1, 'reward', 10, k * 10, 'bench', now() - make_interval(secs => $heavy_rows - k)
FROM generate_series(1, $heavy_rows) AS k;
INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, status, points_cost, aliyun_task_id, error_code,
                         created_at, updated_at, completed_at)
SELECT 20000000000 + i, i, 'mengwa_kaixin', 'https://example.test/' || i || '.jpg',
       CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'completed' END, 200, 'ds-' || i,
       CASE WHEN i % 50 = 0 THEN 'ProviderFailed' END,
       now() - make_interval(secs => i), now(), now() - make_interval(secs => i - 30)
FROM generate_series(1, $users) AS i;
INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, reason, user_id, product_id,
                               transaction_id, applied_kind, processed_at, updated_at)
SELECT 30000000000 + i, 'evt-' || i, 'NON_RENEWING_PURCHASE', '{"event":{}}'::json, now() - make_interval(secs => i),
       CASE WHEN i % 100 = 0 THEN 'parked' WHEN i % 101 = 0 THEN 'failed' ELSE 'processed' END,
       CASE WHEN i % 100 = 0 THEN 'user not found' END, (i % $users) + 1, '2100_tokens', 'txn-' || i, 'pack',
       now() - make_interval(secs => i), now() - make_interval(secs => i)
FROM generate_series(1, $events) AS i;
INSERT INTO orders (id, user_id, order_no, product_type, product_id, status, created_at, updated_at)
SELECT 40000000000 + i, (i % $users) + 1, 'ord-' || i, 'points_pack', '2100_tokens', 'paid', now() - make_interval(secs => i), now()
FROM generate_series(1, $events) AS i;
ANALYZE;
SQL
rcli eval "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'task_id', tostring(20000000000 + i), 'user_id', tostring(i), 'reason', 'delivered 6 times (max 5)', 'deliveries', '6', 'original_id', '1-' .. i) end return 1" 1 emoji_tasks:dead "$dead" >/dev/null
echo "   seeded in $(seconds "$t") s; dead letters: $(rcli xlen emoji_tasks:dead)"

middle_dead=$(rcli xrange emoji_tasks:dead - + count $((dead / 2)) | tail -n 11 | head -n 1)
heavy_cursor=$("$bin/galleyctl" user show 1 --limit 500 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ledger"]["next_cursor"])')
mid_user=$((users / 2))

# name, then galleyctl arguments. One process runs the operation BENCH_RUNS times on the
# same connections: "cold" is its first run (opening the PostgreSQL and Redis connections,
# preparing statements: a fresh galleyctl), "warm" the median and max of the others (what
# the console sees: its pools stay open).
measure() {
  local name=$1; shift
  local line
  line=$("$bin/galleyctl" "$@" --timing --repeat "$runs" 2>&1 >/dev/null | grep '^timing:' || true)
  [ -n "$line" ] || { printf '%-44s failed: galleyctl %s\n' "$name" "$*"; return; }
  echo "$line" | awk -v name="$name" '{ printf "%-44s cold %7.1f ms   warm median %7.1f ms   max %7.1f ms\n", name, $2, $6, $9 }'
}

echo "== operations (galleyctl --timing --repeat $runs; load average $(cut -d" " -f1-3 /proc/loadavg))"
measure "status (overview)" status
measure "dead list emoji_tasks (first page, 50)" dead list --stream emoji_tasks
measure "dead list emoji_tasks (page at 50 000)" dead list --stream emoji_tasks --cursor "$middle_dead"
measure "dead show" dead show --stream emoji_tasks "$middle_dead"
measure "task search --user" task search --user "$mid_user"
measure "task search --device" task search --device "device-$mid_user"
measure "task search --task" task search --task $((20000000000 + mid_user))
measure "task search --provider-task" task search --provider-task "ds-$mid_user"
measure "task show (timeline)" task show $((20000000000 + mid_user))
measure "event search --user" event search --user "$mid_user"
measure "event search --event" event search --event "evt-$((events / 2))"
measure "event search --transaction" event search --transaction "txn-$((events / 2))"
measure "event search --status parked" event search --status parked
measure "event search --waiting" event search --waiting
measure "user show (profile, ledger, orders)" user show "$mid_user"
measure "user show --device" user show --device "device-$mid_user"
measure "user show heavy user, ledger page 2 of 100k" user show 1 --limit 500 --cursor "$heavy_cursor"
measure "points adjust (credit)" points adjust --user "$mid_user" --amount 1 --reason bench --operator bench
measure "audit (first page)" audit
measure "reward runs" reward runs
measure "config" config
