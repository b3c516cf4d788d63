#!/usr/bin/env bash
# The weekly reward at scale, read against the database's own write rate in the same run.
#
# For each number of users (BENCH_SCALES, default 62 500, 250 000 and 1 000 000: the cost
# growth at 1x, 4x and 16x) it seeds a database of its own (half the users valid VIPs, one
# in five of those lifetime), then makes BENCH_ROUNDS rounds (default 3), each from the
# same state (ledger emptied, balances zeroed, user_points rewritten packed, checkpoint):
#   baseline  one plain INSERT ... SELECT of the VIPs' ledger-shaped rows into a scratch
#             copy of point_transactions (same columns and indexes; no foreign key)
#   full run  `RewardWorker run` for a whole week
#   re-run    the same week again at once (credits nobody)
# Odd rounds time the baseline first, even rounds the run first, so a load swing on the
# shared machine does not always land on the same side. It prints every round and the
# medians; the ratio is full run / baseline of the same round, median over the rounds.
#
#   bench/reward.sh                                  uses the local stack (scripts/stack start)
#   BENCH_SCALES=1000000 BENCH_ROUNDS=5 bench/reward.sh
#   BENCH_BEFORE=/path/to/older/RewardWorker bench/reward.sh   also times that binary each round
#
# Not a test: it prints numbers. The databases are dropped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

scales=${BENCH_SCALES:-62500 250000 1000000}
rounds=${BENCH_ROUNDS:-3}
week=${BENCH_WEEK:-2026-W47}
before=${BENCH_BEFORE:-}
eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
admin_db=$POSTGRES_DB
work=$(mktemp -d)
results=$work/results  # lines: users round what seconds
db=""
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cleanup() { [ -n "$db" ] && psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== build (release)"
swift build -c release --product RewardWorker 2>&1 | tail -n 1
bin="$(swift build -c release --product RewardWorker --show-bin-path)/RewardWorker"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# Back to the seeded state: no ledger, zero balances, user_points packed as freshly loaded.
reset_state() {
  psql_db -c "TRUNCATE point_transactions, reward_runs" -c "UPDATE user_points SET balance = 0" \
          -c "VACUUM FULL user_points" -c "VACUUM ANALYZE user_points" -c "VACUUM ANALYZE point_transactions" -c "CHECKPOINT"
}

time_baseline() {  # $1 users $2 round
  local vips=$(( $1 / 2 )) t0
  psql_db -c "CREATE TABLE bench_ledger (LIKE point_transactions INCLUDING ALL)" -c "CHECKPOINT"
  t0=$(now)
  psql_db -c "INSERT INTO bench_ledger (id, user_id, type, amount, balance_after, reward_week, created_at)
              SELECT 300000000000 + g, 100000000000 + 2 * g, 'reward', 2000, 2000, '$week', now()
              FROM generate_series(1, $vips) AS g"
  echo "$1 $2 baseline $(elapsed "$t0" "$(now)")" >> "$results"
  psql_db -c "DROP TABLE bench_ledger" -c "CHECKPOINT"
}

time_run() {  # $1 users $2 round $3 binary $4 label
  local t0 rows bad
  reset_state
  t0=$(now)
  "$3" run --week "$week" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
  echo "$1 $2 $4 $(elapsed "$t0" "$(now)")" >> "$results"
  psql_db -c "CHECKPOINT"
  t0=$(now)
  "$3" run --week "$week" >"$work/rerun.log" 2>&1 || { cat "$work/rerun.log"; exit 1; }
  echo "$1 $2 $4-rerun $(elapsed "$t0" "$(now)")" >> "$results"
  rows=$(psql_db -At -c "SELECT count(*) FROM point_transactions WHERE type = 'reward' AND reward_week = '$week'")
  bad=$(psql_db -At -c "SELECT count(*) FROM user_points up LEFT JOIN (SELECT user_id, sum(amount) AS total FROM point_transactions GROUP BY user_id) t ON t.user_id = up.user_id WHERE up.balance <> coalesce(t.total, 0)")
  if [ "$rows" -ne $(( $1 / 2 )) ] || [ "$bad" -ne 0 ]; then
    echo "$4 at $1 users: reward rows $rows (want $(( $1 / 2 ))), balances off their ledger $bad (want 0)"
    exit 1
  fi
}

for users in $scales; do
  db="galley_reward_bench_$$_$users"
  echo "== $users users: database $db"
  psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
  # The worker applies the migrations itself (MIGRATE_ON_START); a dry run on the empty schema does only that.
  export POSTGRES_DB=$db
  "$bin" run --dry-run --week "$week" >"$work/migrate.log" 2>&1
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
  for round in $(seq 1 "$rounds"); do
    if [ $(( round % 2 )) -eq 1 ]; then
      time_baseline "$users" "$round"
      time_run "$users" "$round" "$bin" full
      if [ -n "$before" ]; then time_run "$users" "$round" "$before" before; fi
    else
      if [ -n "$before" ]; then time_run "$users" "$round" "$before" before; fi
      time_run "$users" "$round" "$bin" full
      time_baseline "$users" "$round"
    fi
    grep "^$users $round " "$results" | awk '{ printf "  round %s  %-13s %8s s\n", $2, $3, $4 }'
  done
  psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  db=""
done

pick() { awk -v u="$1" -v w="$2" '$1 == u && $3 == w { print $4 }' "$results" | median; }
ratios() {  # per-round $2 / baseline, median
  awk -v u="$1" -v w="$2" '$1 == u && $3 == "baseline" { b[$2] = $4 } $1 == u && $3 == w { r[$2] = $4 }
       END { for (k in r) if (b[k] > 0) printf "%.2f\n", r[k] / b[k] }' "$results" | median
}

echo
echo "reward bench: week $week, $(nproc) cores, $rounds rounds per size, medians; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %9s  %9s  %9s  %9s  %11s' users baseline "full run" re-run "run/baseline"
if [ -n "$before" ]; then printf '  %10s  %10s  %11s' "before run" "before re" "before/base"; fi
echo
first=""
for users in $scales; do
  printf '  %9s  %8ss  %8ss  %8ss  %10sx' "$users" "$(pick "$users" baseline)" "$(pick "$users" full)" \
    "$(pick "$users" full-rerun)" "$(ratios "$users" full)"
  if [ -n "$before" ]; then printf '  %9ss  %9ss  %10sx' "$(pick "$users" before)" "$(pick "$users" before-rerun)" "$(ratios "$users" before)"; fi
  echo
  first=${first:-$users}
done
echo "  cost growth (median time at this size / at $first users; users grow 1x, 4x, 16x by default):"
for users in $scales; do
  awk -v u="$users" -v f="$first" -v fb="$(pick "$first" baseline)" -v ff="$(pick "$first" full)" \
      -v b="$(pick "$users" baseline)" -v r="$(pick "$users" full)" \
      'BEGIN { printf "  %9s  users %5.1fx  baseline %6.1fx  full run %6.1fx\n", u, u / f, b / fb, r / ff }'
done
echo "  aims: full run / baseline <= 2x, re-run < 1 s at 1 000 000 users"
