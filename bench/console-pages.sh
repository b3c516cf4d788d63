#!/usr/bin/env bash
# Console pages over HTTP at scale (issue 14): every page of the operator console timed
# through a real gateway against 1 000 000 users, 5 000 000 ledger rows, 100 000 dead
# letters (plus 200 000 tasks and 100 000 webhook events, 5 000 audit rows).
#   bench/console-pages.sh            seed once (kept in database galley_console_bench), then time
#   RESEED=1 bench/console-pages.sh   seed again from nothing
# Environment: USERS, LEDGER_ROWS, DEAD_LETTERS, ROUNDS (timed requests per page, default 20),
# BIN (the APIGateway binary, default .build/debug/APIGateway), PORT (default 18999).
# Prints one line per page: median, p95 and max milliseconds; fails when a median is 100 ms or more.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/stack start >/dev/null
eval "$(scripts/stack env)"
db=${CONSOLE_BENCH_DB:-galley_console_bench}
redis_db=${CONSOLE_BENCH_REDIS_DB:-2}
users=${USERS:-1000000}
ledger=${LEDGER_ROWS:-5000000}
dead=${DEAD_LETTERS:-100000}
rounds=${ROUNDS:-20}
bin=${BIN:-.build/debug/APIGateway}
port=${PORT:-18999}
password=bench-console-password
psql_db() { psql -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$db" -v ON_ERROR_STOP=1 -qtA "$@"; }
log() { printf 'console-pages: %s\n' "$*" >&2; }

[ -x "$bin" ] || swift build --product APIGateway >/dev/null
if [ "${RESEED:-0}" = 1 ]; then
  psql -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
fi
if ! psql -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
  psql -h "$POSTGRES_SERVER" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -qc "CREATE DATABASE $db"
fi
export POSTGRES_DB=$db REDIS_DB=$redis_db ENVIRONMENT=local
"$bin" migrate >/dev/null

have=$(psql_db -c "SELECT count(*) FROM users")
if [ "$have" -lt "$users" ]; then
  log "seeding $users users, $ledger ledger rows, tasks, events, audit rows (once)"
  started=$SECONDS
  psql_db -c "TRUNCATE users, user_points, point_transactions, emoji_tasks, revenuecat_events, orders, subscriptions, admin_audit CASCADE"
  psql_db <<SQL
SET synchronous_commit = off;
INSERT INTO users (id, device_id, created_at, updated_at)
  SELECT i, 'bench-device-' || i, now() - make_interval(secs => i), now() FROM generate_series(1, $users) i;
INSERT INTO user_points (id, user_id, balance, updated_at) SELECT i, i, 1000, now() FROM generate_series(1, $users) i;
INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, created_at)
  SELECT i, (i % $users) + 1, CASE WHEN i % 4 = 0 THEN 'consume' ELSE 'purchase' END,
         CASE WHEN i % 4 = 0 THEN -200 ELSE 500 END, 1000, CASE WHEN i % 4 = 0 THEN 'emoji' END,
         now() - make_interval(secs => i / 10.0)
  FROM generate_series(1, $ledger) i;
INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, aliyun_task_id, status, points_cost, error_code, error_message,
                         created_at, completed_at, updated_at)
  SELECT i, (i % $users) + 1, 'mengwa_kaixin', 'https://img.test/' || i || '.jpg', 'dash-' || i,
         CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'completed' END, 200,
         CASE WHEN i % 10 = 0 THEN 'provider_failed' END, CASE WHEN i % 10 = 0 THEN 'bench failure' END,
         now() - make_interval(secs => i / 50.0), now() - make_interval(secs => i / 50.0) + interval '30 seconds', now()
  FROM generate_series(1, 200000) i;
INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, reason, attempts, user_id, product_id,
                               transaction_id, updated_at, processed_at)
  SELECT i, 'evt-' || i, 'INITIAL_PURCHASE', '{}'::json, now() - make_interval(secs => i / 20.0),
         CASE WHEN i % 50 = 0 THEN 'parked' WHEN i % 51 = 0 THEN 'failed' ELSE 'processed' END,
         CASE WHEN i % 50 = 0 THEN 'unknown product' END, 1, (i % $users) + 1, 'points_1000', 'txn-' || i,
         now() - make_interval(secs => i / 20.0), now() - make_interval(secs => i / 20.0)
  FROM generate_series(1, 100000) i;
INSERT INTO admin_audit (id, at, actor, action, target, before, after)
  SELECT i, now() - make_interval(secs => i), 'bench', 'points.adjust', 'user:' || ((i % $users) + 1), '{"balance": 1000}', '{"balance": 1100}'
  FROM generate_series(1, 5000) i;
VACUUM ANALYZE;
SQL
  log "seeded in $((SECONDS - started)) s"
fi

rc() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" "$@"; }
if [ "$(rc XLEN emoji_tasks:dead)" -lt "$dead" ]; then
  log "adding $dead dead letters"
  rc DEL emoji_tasks:dead >/dev/null
  python3 - "$dead" "$users" <<'PY' | redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" --pipe >/dev/null
import sys
count, users = int(sys.argv[1]), int(sys.argv[2])
def command(*parts):
    out = [f"*{len(parts)}\r\n"]
    for part in parts:
        data = str(part).encode()
        out.append(f"${len(data)}\r\n{data.decode()}\r\n")
    return "".join(out)
write = sys.stdout.write
for i in range(1, count + 1):
    write(command("XADD", "emoji_tasks:dead", "*", "task_id", i, "user_id", (i % users) + 1,
                  "reason", "delivered 6 times (EMOJI_MAX_DELIVERIES 5)", "deliveries", 6, "original_id", f"{i}-0"))
PY
fi

ADMIN_PASSWORD=$password HOST=127.0.0.1 PORT=$port MIGRATE_ON_START=false LOG_LEVEL=warning "$bin" serve >/tmp/console-pages-gateway.log 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null; wait $gateway 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done

user=$((users / 2))
cursor=$(curl -s -u "admin:$password" "http://127.0.0.1:$port/admin/dead?stream=emoji_tasks" | grep -o 'cursor=[^"&]*' | head -1 | cut -d= -f2)
pages=(
  "/admin/"
  "/admin/dead?stream=emoji_tasks"
  "/admin/dead?stream=emoji_tasks&cursor=$cursor"
  "/admin/tasks?by=user&q=$user"
  "/admin/tasks?by=task&q=150000"
  "/admin/tasks?by=provider&q=dash-150000"
  "/admin/tasks/show?id=150000"
  "/admin/events"
  "/admin/events?by=user&q=$user"
  "/admin/events?by=transaction&q=txn-5000"
  "/admin/events/show?id=evt-5000"
  "/admin/users?q=$user"
  "/admin/users?q=bench-device-$user"
  "/admin/rewards"
  "/admin/config"
  "/admin/audit"
  "/admin/audit?target=user:$user"
)
slow=0
printf '%-48s %8s %8s %8s\n' page median p95 max
for page in "${pages[@]}"; do
  curl -s -o /dev/null -u "admin:$password" "http://127.0.0.1:$port$page"  # warm
  times=$(for _ in $(seq 1 "$rounds"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -u "admin:$password" "http://127.0.0.1:$port$page"
  done)
  if echo "$times" | grep -qv '^200 '; then log "$page answered $(echo "$times" | grep -v '^200 ' | head -1)"; slow=1; fi
  read -r median p95 max < <(echo "$times" | awk '{print $2 * 1000}' | sort -n | awk '{a[NR]=$1} END {
    printf "%.1f %.1f %.1f\n", a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.5)], a[NR] }')
  printf '%-48s %8s %8s %8s\n' "${page:0:48}" "$median" "$p95" "$max"
  awk -v m="$median" 'BEGIN { exit !(m >= 100) }' && slow=1
done
rows=$(psql_db -c "SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM point_transactions) || ' ledger rows'")
log "data: $rows, $(rc XLEN emoji_tasks:dead) dead letters; $rounds requests per page"
exit $slow
