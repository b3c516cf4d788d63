#!/usr/bin/env bash
# One EmojiWorker process (release build) against the fake DashScope, in a database
# and a Redis database of its own:
#   1. zero provider latency: tasks/s;
#   2. 5 s provider latency with EMOJI_CONCURRENCY=1000, one wave of 1000 tasks: tasks/s
#      against the ideal 1000 / (5 s + poll/2), peak RSS (VmHWM), CPU seconds;
#   3. enqueue-to-pickup latency p50/p99 (the entry's XADD time to the task's
#      started_at) for a steady trickle into an idle worker, and for run 2's backlog;
#   4. the latency real generations have (DashScope documents 1-5 minutes): 60 s, a 5 s
#      poll and EMOJI_CONCURRENCY=10000, one wave of 10 000 tasks: tasks/s against the
#      ideal 10 000 / (60 s + poll/2), peak RSS, submit after pickup (aims: >= 97 %,
#      < 200 MB, < 100 ms).
# Runs 1-3 were shortened (5 000 -> 2 000, 5 000 -> 1 000 and 500 -> 250 tasks; pgbench
# 5 -> 3 s) to make room for run 4 inside bench/run's 15 minutes.
# Baselines from the same run, so the numbers read as ratios: Redis' own XADD rate
# (redis-benchmark) and PostgreSQL's own single-row UPDATE rate on emoji_tasks (pgbench).
#
#   bench/emoji.sh                       uses the local stack (scripts/stack start)
#   BENCH_TASKS=3000 BENCH_POLL=0.5 bench/emoji.sh
#   BENCH_RUNS=4 bench/emoji.sh          only run 4
#
# Not a test: it prints numbers. Database, Redis keys and processes are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

tasks_fast=${BENCH_TASKS_FAST:-2000}     # run 1
tasks_slow=${BENCH_TASKS:-1000}          # run 2 (one wave of 1000)
trickle=${BENCH_TRICKLE:-250}            # run 3
tasks_long=${BENCH_TASKS_LONG:-10000}    # run 4 (one wave of 10 000); 0 skips it
long_latency=${BENCH_LONG_LATENCY:-60}   # run 4's provider latency, seconds
long_poll=${BENCH_LONG_POLL:-5}          # run 4's EMOJI_POLL_INTERVAL_SECONDS
runs=${BENCH_RUNS:-1 2 3 4}              # which runs (run 1 includes both baselines)
want() { case " $runs " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
trickle_rate=${BENCH_TRICKLE_RATE:-50}   # entries per second
poll=${BENCH_POLL:-1}                    # EMOJI_POLL_INTERVAL_SECONDS in run 2
redis_db=${BENCH_REDIS_DB:-7}
fake_port=${BENCH_FAKE_PORT:-18090}
metrics_port=${BENCH_METRICS_PORT:-19101}

eval "$(scripts/stack env)"
export PGHOST=$POSTGRES_SERVER PGPORT=$POSTGRES_PORT PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
admin_db=$POSTGRES_DB
db="galley_emoji_bench_$$"
work=$(mktemp -d)
# Results are written by the local storage backend; on tmpfs when there is one, so the
# figures are the worker's and not the disk's (production stores to S3/OSS).
objects=$work/objects
[ -d /dev/shm ] && [ -w /dev/shm ] && objects=$(mktemp -d /dev/shm/galley-emoji-bench.XXXXXX)
rcli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$redis_db" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

fake_pid=""
worker_pid=""
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
cleanup() {
  stop_pid "$worker_pid"
  [ -n "${BENCH_KEEP_LOGS:-}" ] && cp "$work"/*.log "$BENCH_KEEP_LOGS"/ 2>/dev/null
  stop_pid "$fake_pid"
  rcli del emoji_tasks emoji_tasks:dead galley:bench:xadd >/dev/null 2>&1 || true
  psql -X -q -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work" "$objects"
}
trap cleanup EXIT

echo "== build (release)"
swift build -c release --product EmojiWorker 2>&1 | tail -n 1
swift build -c release --product FakeDashScope 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)

echo "== database $db, Redis db $redis_db"
psql -X -q -d "$admin_db" -c "CREATE DATABASE \"$db\""
rcli del emoji_tasks emoji_tasks:dead >/dev/null

export POSTGRES_DB=$db REDIS_DB=$redis_db ENVIRONMENT=local LOG_LEVEL=warning
export ALIYUN_EMOJI_MOCK=false DASHSCOPE_BASE_URL=http://127.0.0.1:$fake_port DASHSCOPE_API_KEY=sk-bench-$$
export DASHSCOPE_SUBMIT_RATE=10000 DASHSCOPE_USER_SHARE=0 STORAGE_BACKEND=local STORAGE_LOCAL_DIR=$objects
export METRICS_PORT=$metrics_port HOST=127.0.0.1 EMOJI_WORKER_CONSUMER=bench SHUTDOWN_DEADLINE_SECONDS=2
export EMOJI_READ_BLOCK_MILLISECONDS=200 DB_POOL_SIZE=16 REDIS_POOL_SIZE=16

# start_fake LATENCY: the fake DashScope, answering on $fake_port.
start_fake() {
  stop_pid "$fake_pid"
  FAKE_DASHSCOPE_PORT=$fake_port FAKE_DASHSCOPE_LATENCY_SECONDS=$1 "$bin/FakeDashScope" >"$work/fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$fake_port/_fake/stats" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "fake DashScope did not start"; cat "$work/fake.log"; exit 1
}
# start_worker CONCURRENCY POLL: one worker; waits for /health.
start_worker() {
  stop_pid "$worker_pid"
  [ -n "${BENCH_KEEP_LOGS:-}" ] && [ -f "$work/worker.log" ] && cat "$work/worker.log" >> "$BENCH_KEEP_LOGS/worker-all.log"
  EMOJI_CONCURRENCY=$1 EMOJI_POLL_INTERVAL_SECONDS=$2 "$bin/EmojiWorker" >"$work/worker.log" 2>&1 &
  worker_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$metrics_port/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "worker did not start"; cat "$work/worker.log"; exit 1
}
# seed FIRST COUNT: task rows FIRST.. (one user, points already spent), not yet enqueued.
seed() {
  psql_db <<SQL
INSERT INTO users (id, device_id, created_at, updated_at) VALUES (1, 'bench', now(), now()) ON CONFLICT DO NOTHING;
INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost, created_at, updated_at)
SELECT g, 1, 'mengwa_kaixin', 'https://img.bench/' || g || '.jpg',
       '{"face_bbox":[0,0,100,100],"ext_bbox":[0,0,120,120],"raw":{}}', 'pending', 0, now(), now()
FROM generate_series($1, $1 + $2 - 1) AS g;
SQL
}
# enqueue FIRST COUNT: XADD them as fast as Redis takes them (one pipe).
enqueue() {
  awk -v a="$1" -v n="$2" 'BEGIN { for (i = a; i < a + n; i++) printf "XADD emoji_tasks * task_id %d user_id 1\n", i }' \
    | rcli >/dev/null
}
# wait_terminal FIRST COUNT: until every task of the range is completed or failed.
wait_terminal() {
  while :; do
    left=$(psql_db -Atc "SELECT count(*) FROM emoji_tasks WHERE id BETWEEN $1 AND $1 + $2 - 1 AND status NOT IN ('completed','failed')")
    [ "$left" = 0 ] && return
    sleep 0.2
  done
}
# pickup FIRST COUNT: p50/p99 of (started_at - XADD time) in ms, from the stream's entry ids.
pickup() {
  python3 - "$REDIS_HOST" "$REDIS_PORT" "$redis_db" >"$work/xadd.tsv" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
f = s.makefile("rb")
def reply():
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"*":
        return [reply() for _ in range(int(rest))] if int(rest) >= 0 else None
    if kind == b"$":
        if int(rest) < 0:
            return None
        data = f.read(int(rest) + 2)[:-2]
        return data.decode()
    return rest.decode()
s.sendall(b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n" % (len(sys.argv[3]), sys.argv[3].encode())); reply()
s.sendall(b"*4\r\n$6\r\nXRANGE\r\n$11\r\nemoji_tasks\r\n$1\r\n-\r\n$1\r\n+\r\n")
for entry_id, fields in reply() or []:
    values = dict(zip(fields[::2], fields[1::2]))
    if values.get("task_id", "").isdigit():
        print("%s\t%s" % (values["task_id"], entry_id.split("-")[0]))
PY
  psql_db -c "CREATE TEMP TABLE xadd (task_id bigint, ms bigint)" -c "\copy xadd FROM '$work/xadd.tsv'" -At -c "
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lat)::numeric, 1) || ' ms p50, '
        || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lat)::numeric, 1) || ' ms p99 (' || count(*) || ' tasks)'
    FROM (SELECT extract(epoch FROM t.started_at) * 1000 - x.ms AS lat
          FROM emoji_tasks t JOIN xadd x ON x.task_id = t.id WHERE t.id BETWEEN $1 AND $1 + $2 - 1) s"
}
# Waits until every task with an id in [lo, hi) has ended, calling `tick` (if given) each
# time round; sets `peak`, the highest in-flight gauge seen. The end is seen within 0.2 s.
drain() {  # lo hi [tick]
  local left inflight
  peak=0
  while :; do
    [ -n "${3:-}" ] && "$3"
    left=$(psql_db -Atc "SELECT count(*) FROM emoji_tasks WHERE id >= $1 AND id < $2 AND status NOT IN ('completed','failed')")
    inflight=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics" | awk '/^galley_emoji_tasks_in_flight / { print $2 }')
    [ "${inflight:-0}" -gt "$peak" ] && peak=$inflight
    [ "$left" = 0 ] && break
    sleep 0.2
  done
}
proc_cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }   # utime + stime, USER_HZ = 100
proc_rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
proc_hwm() { awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$1/status"; }

# The machine may be shared: the load average says how much of it this run had.
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

if want 1; then
echo "== baseline: Redis XADD (redis-benchmark, 50 clients)"
xadd_rate=$(redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" --dbnum "$redis_db" -q -n 100000 XADD galley:bench:xadd MAXLEN '~' 1000 '*' task_id 1 \
  | tr '\r' '\n' | awk '/requests per second/ { v = $(NF-5) } END { print v }')
echo "XADD: $xadd_rate requests/s"

echo "== run 1: $tasks_fast tasks, provider latency 0 s, concurrency 1000, poll 0.05 s"
start_fake 0
start_worker 1000 0.05          # applies the migrations on its first start
seed 1000000 "$tasks_fast"
t0=$(now); cpu0=$(proc_cpu "$worker_pid")
enqueue 1000000 "$tasks_fast"
wait_terminal 1000000 "$tasks_fast"
t1=$(now)
run1=$(elapsed "$t0" "$t1")
echo "$tasks_fast tasks in $run1 s: $(awk -v n="$tasks_fast" -v s="$run1" 'BEGIN { printf "%.0f", n / s }') tasks/s;" \
     "worker CPU $(awk -v a="$cpu0" -v b="$(proc_cpu "$worker_pid")" 'BEGIN { printf "%.1f", b - a }') s, RSS peak $(proc_hwm "$worker_pid")"
psql_db -Atc "SELECT status, count(*) FROM emoji_tasks WHERE id >= 1000000 AND id < 2000000 GROUP BY 1" | tr '\n' ' '; echo

echo "== baseline: PostgreSQL single-row UPDATE of emoji_tasks (pgbench, 8 clients, 3 s)"
cat >"$work/update.sql" <<SQL
\set id random(1000000, $((1000000 + tasks_fast - 1)))
UPDATE emoji_tasks SET updated_at = now() WHERE id = :id;
SQL
update_tps=$(pgbench -n -c 8 -j 2 -T 3 -f "$work/update.sql" "$db" 2>/dev/null | awk '/^tps/ { printf "%.0f", $3 }')
echo "UPDATE: $update_tps statements/s (the worker writes 3 per task: claim, submission, completion)"

fi
if want 2; then
echo "== run 2: $tasks_slow tasks, provider latency 5 s, concurrency 1000, poll $poll s"
start_fake 5
start_worker 1000 "$poll"
seed 2000000 "$tasks_slow"
t0=$(now); cpu0=$(proc_cpu "$worker_pid"); fake_cpu0=$(proc_cpu "$fake_pid")
enqueue 2000000 "$tasks_slow"
drain 2000000 3000000
peak_in_flight=$peak
t1=$(now)
run2=$(elapsed "$t0" "$t1")
cpu2=$(awk -v a="$cpu0" -v b="$(proc_cpu "$worker_pid")" 'BEGIN { printf "%.1f", b - a }')
rss2=$(proc_hwm "$worker_pid")
fake_cpu2=$(awk -v a="$fake_cpu0" -v b="$(proc_cpu "$fake_pid")" 'BEGIN { printf "%.1f", b - a }')
polls=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics" | awk '/^galley_emoji_provider_poll_seconds_sum/ { s = $2 } /^galley_emoji_provider_poll_seconds_count/ { n = $2 } END { printf "%d polls, mean %.1f ms", n, n ? 1000 * s / n : 0 }')
echo "$tasks_slow tasks in $run2 s: $(awk -v n="$tasks_slow" -v s="$run2" 'BEGIN { printf "%.0f", n / s }') tasks/s" \
     "(ideal 1000 / (5 s + poll/2) = $(awk -v p="$poll" 'BEGIN { printf "%.0f", 1000 / (5 + p / 2) }') tasks/s);" \
     "peak in flight $peak_in_flight; worker CPU $cpu2 s ($(awk -v c="$cpu2" -v s="$run2" 'BEGIN { printf "%.0f", 100 * c / s }') % of one core); RSS peak $rss2"
psql_db -Atc "SELECT status, count(*) FROM emoji_tasks WHERE id >= 2000000 AND id < 3000000 GROUP BY 1" | tr '\n' ' '; echo
echo "provider: $polls; fake DashScope CPU $fake_cpu2 s"
psql_db -Atc "SELECT 'time in flight (started_at to completed_at): mean ' || round(avg(extract(epoch FROM completed_at - started_at))::numeric, 2)
                     || ' s, p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at))::numeric, 2)
                     || ' s; submit after pickup: mean ' || round(avg(extract(epoch FROM submitted_at - started_at))::numeric * 1000, 1) || ' ms'
              FROM emoji_tasks WHERE id >= 2000000 AND id < 3000000"
echo "pickup latency with a backlog of $tasks_slow: $(pickup 2000000 "$tasks_slow")"

fi
if want 3; then
echo "== run 3: pickup latency, $trickle entries at $trickle_rate/s into an idle worker (concurrency 64, latency 0)"
start_fake 0
start_worker 64 0.5
seed 3000000 "$trickle"
python3 - "$REDIS_HOST" "$REDIS_PORT" "$redis_db" "$trickle" "$trickle_rate" <<'PY'
import socket, sys, time
host, port, db, count, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
s = socket.create_connection((host, port))
f = s.makefile("rb")
s.sendall(cmd("SELECT", db)); f.readline()
start = time.monotonic()
for i in range(count):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    s.sendall(cmd("XADD", "emoji_tasks", "*", "task_id", 3000000 + i, "user_id", 1)); f.readline()
PY
wait_terminal 3000000 "$trickle"
echo "pickup latency, idle worker: $(pickup 3000000 "$trickle")"

fi
if want 4 && [ "$tasks_long" -gt 0 ]; then
echo "== run 4: $tasks_long tasks, provider latency $long_latency s, concurrency $tasks_long, poll $long_poll s"
start_fake "$long_latency"
start_worker "$tasks_long" "$long_poll"
seed 4000000 "$tasks_long"
idle4=$(proc_rss "$worker_pid")
t0=$(now); cpu0=$(proc_cpu "$worker_pid"); fake_cpu0=$(proc_cpu "$fake_pid")
enqueue 4000000 "$tasks_long"
plateau4=""
# Half-way through the provider's latency every task is submitted and polling.
plateau_tick() {
  if [ -z "$plateau4" ] && awk -v a="$t0" -v b="$(now)" -v l="$long_latency" 'BEGIN { exit !(b - a > l / 2) }'; then
    plateau4=$(proc_rss "$worker_pid")
  fi
}
drain 4000000 5000000 plateau_tick
peak_long=$peak
t1=$(now)
run4=$(elapsed "$t0" "$t1")
cpu4=$(awk -v a="$cpu0" -v b="$(proc_cpu "$worker_pid")" 'BEGIN { printf "%.1f", b - a }')
rss4=$(proc_hwm "$worker_pid")
fake_cpu4=$(awk -v a="$fake_cpu0" -v b="$(proc_cpu "$fake_pid")" 'BEGIN { printf "%.1f", b - a }')
ideal4=$(awk -v n="$tasks_long" -v l="$long_latency" -v p="$long_poll" 'BEGIN { printf "%.1f", n / (l + p / 2) }')
rate4=$(awk -v n="$tasks_long" -v s="$run4" 'BEGIN { printf "%.1f", n / s }')
share4=$(awk -v r="$rate4" -v i="$ideal4" 'BEGIN { printf "%.1f", 100 * r / i }')
echo "$tasks_long tasks in $run4 s: $rate4 tasks/s = $share4 % of the ideal $tasks_long / ($long_latency s + poll/2) = $ideal4 tasks/s;" \
     "peak in flight $peak_long; worker CPU $cpu4 s; RSS peak $rss4; fake DashScope CPU $fake_cpu4 s"
echo "worker RSS: idle $idle4 MB, $plateau4 MB half-way (every task submitted and polling):" \
     "$(awk -v a="$idle4" -v b="${plateau4:-0}" -v n="$tasks_long" 'BEGIN { printf "%.1f", 1024 * (b - a) / n }') KB per task in flight"
psql_db -Atc "SELECT status, count(*) FROM emoji_tasks WHERE id >= 4000000 AND id < 5000000 GROUP BY 1" | tr '\n' ' '; echo
psql_db -Atc "SELECT 'submit after pickup: mean ' || round(avg(s) * 1000, 1) || ' ms, p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric * 1000, 1)
                     || ' ms, p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s)::numeric * 1000, 1) || ' ms, max ' || round(max(s) * 1000, 1) || ' ms'
              FROM (SELECT extract(epoch FROM submitted_at - started_at)::numeric AS s FROM emoji_tasks WHERE id >= 4000000 AND id < 5000000) x"
psql_db -Atc "SELECT 'pickups spread over ' || round(extract(epoch FROM max(started_at) - min(started_at))::numeric, 2) || ' s, submissions over '
                     || round(extract(epoch FROM max(submitted_at) - min(submitted_at))::numeric, 2) || ' s, completions over '
                     || round(extract(epoch FROM max(completed_at) - min(completed_at))::numeric, 2) || ' s; time in flight mean '
                     || round(avg(extract(epoch FROM completed_at - started_at))::numeric, 2) || ' s, max '
                     || round(max(extract(epoch FROM completed_at - started_at))::numeric, 2) || ' s'
              FROM emoji_tasks WHERE id >= 4000000 AND id < 5000000"
fi

echo "== summary"
want 1 && echo "run 1 (0 s latency):  $(awk -v n="$tasks_fast" -v s="$run1" 'BEGIN { printf "%.0f", n / s }') tasks/s"
want 2 && echo "run 2 (5 s latency):  $(awk -v n="$tasks_slow" -v s="$run2" 'BEGIN { printf "%.0f", n / s }') tasks/s with $peak_in_flight in flight, RSS peak $rss2, CPU $cpu2 s"
want 4 && [ "$tasks_long" -gt 0 ] && echo "run 4 ($long_latency s latency, poll $long_poll s): $rate4 tasks/s = $share4 % of ideal $ideal4 with $peak_long in flight, RSS peak $rss4, CPU $cpu4 s"
want 1 && echo "baselines: Redis XADD $xadd_rate/s, PostgreSQL UPDATE $update_tps/s"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
