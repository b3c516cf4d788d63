#!/usr/bin/env bash
# The weekly reward at scale: seeds 1 000 000 users (half of them valid VIPs, one in
# five of those lifetime) in a database of its own, then times `RewardWorker run` for a
# full week and for an immediate re-run of the same week (which must credit nobody).
# For scale it also times the database's own baseline: one plain INSERT ... SELECT of
# 500 000 ledger-shaped rows into a scratch copy of point_transactions (same columns and
# indexes), so the run reads as a ratio of what the server can write at all.
#
#   bench/reward.sh                 uses the local stack (scripts/stack start)
#   BENCH_USERS=200000 bench/reward.sh
#
# Not a test: it prints numbers. The database is dropped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

users=${BENCH_USERS:-1000000}
week=${BENCH_WEEK:-2026-W47}
eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
db="galley_reward_bench_$$"
admin_db=$POSTGRES_DB
log=$(mktemp -d)/reward
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

cleanup() { psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== build (release)"
swift build -c release --product RewardWorker 2>&1 | tail -n 1
bin="$(swift build -c release --product RewardWorker --show-bin-path)/RewardWorker"

echo "== database $db"
psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
export POSTGRES_DB=$db
# The worker applies the migrations itself (MIGRATE_ON_START); a dry run on the empty schema does only that.
"$bin" run --dry-run --week "$week" >"$log.migrate" 2>&1

echo "== seed $users users (half VIP)"
t0=$(now)
psql_db <<SQL
INSERT INTO users (id, device_id, is_vip, vip_type, vip_expire_time, created_at, updated_at)
SELECT 100000000000 + g, 'bench-' || g, g % 2 = 0,
       CASE WHEN g % 2 = 0 THEN CASE WHEN g % 10 = 0 THEN 'lifetime' ELSE 'weekly' END END,
       CASE WHEN g % 2 = 0 AND g % 10 <> 0 THEN now() + interval '3 days' END,
       now(), now()
FROM generate_series(1, $users) AS g;
INSERT INTO user_points (id, user_id, balance, updated_at)
SELECT 200000000000 + g, 100000000000 + g, 0, now() FROM generate_series(1, $users) AS g;
VACUUM ANALYZE users;
VACUUM ANALYZE user_points;
SQL
echo "seeded in $(elapsed "$t0" "$(now)") s"

echo "== baseline: INSERT ... SELECT of $((users / 2)) ledger-shaped rows"
psql_db -c "CREATE TABLE bench_ledger (LIKE point_transactions INCLUDING ALL)" -c "CHECKPOINT"
t0=$(now)
psql_db -c "INSERT INTO bench_ledger (id, user_id, type, amount, balance_after, reward_week, created_at)
            SELECT 300000000000 + g, 100000000000 + 2 * g, 'reward', 2000, 2000, '$week', now()
            FROM generate_series(1, $((users / 2))) AS g"
baseline=$(elapsed "$t0" "$(now)")
psql_db -c "DROP TABLE bench_ledger" -c "CHECKPOINT"

echo "== full run"
t0=$(now)
"$bin" run --week "$week" >"$log.full" 2>&1 || { cat "$log.full"; exit 1; }
full=$(elapsed "$t0" "$(now)")
grep '"reward run finished"' "$log.full"

echo "== immediate re-run"
psql_db -c "CHECKPOINT"
t0=$(now)
"$bin" run --week "$week" >"$log.rerun" 2>&1 || { cat "$log.rerun"; exit 1; }
rerun=$(elapsed "$t0" "$(now)")
grep '"reward run finished"' "$log.rerun"

echo "== checks"
rows=$(psql_db -At -c "SELECT count(*) FROM point_transactions WHERE type = 'reward' AND reward_week = '$week'")
bad=$(psql_db -At -c "SELECT count(*) FROM user_points up LEFT JOIN (SELECT user_id, sum(amount) AS total FROM point_transactions GROUP BY user_id) t ON t.user_id = up.user_id WHERE up.balance <> coalesce(t.total, 0)")
echo "reward rows: $rows (want $((users / 2))), balances off their ledger: $bad (want 0)"

echo
echo "reward bench: $users users, $((users / 2)) VIP, week $week, $(nproc) cores"
printf '  full run          %8s s   (aim < 60)\n' "$full"
printf '  immediate re-run  %8s s   (aim < 10)\n' "$rerun"
printf '  baseline insert   %8s s   (%d ledger-shaped rows, one INSERT ... SELECT)\n' "$baseline" $((users / 2))
awk -v f="$full" -v b="$baseline" 'BEGIN { if (b > 0) printf "  full run / baseline  %.1fx\n", f / b }'
[ "$rows" -eq $((users / 2)) ] && [ "$bad" -eq 0 ]
