#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, starts a small
# topology with switchyard in front (examples/demo.toml), prints what to try,
# and runs until Ctrl-C, then stops everything it started.
# --failover: the PostgreSQL server gets a streaming replica (examples/demo-failover.toml),
# and a writer shows a hard stop of the primary and a promotion while it writes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# --- failover demo: option ---
failover=0
for arg in "$@"; do
  case "$arg" in
    --failover) failover=1 ;;
    *) echo "usage: scripts/demo.sh [--failover]" >&2; exit 2 ;;
  esac
done
# --- end failover demo ---
"$root/scripts/setup"
"$root/scripts/build.sh"
bin="${BUILD_DIR:-$root/build}/switchyard"
work=/tmp/switchyard-demo
rm -rf "$work" && mkdir -p "$work"
pids=()

pg_bin=/usr/lib/postgresql/15/bin
pg_data="$work/pg"
pg2_data="$work/pg2"  # the replica of --failover
# PostgreSQL will not run as root: use the postgres account then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$pg_data/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
  [ -f "$pg2_data/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pg2_data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports=(8080 8081 8082 8083 8084 8443 6432 54329 6380 6381 63790 63791 26390 26391 26392)
[ "$failover" = 1 ] && ports+=(54330)
for port in "${ports[@]}"; do
  port_free "$port" || { echo "demo: port $port is in use; stop what uses it first" >&2; exit 1; }
done

# Four HTTP backends, each serving a page that names it.
for name in app1:8081 app2:8082 spare:8083 api1:8084; do
  server=${name%%:*} port=${name##*:}
  mkdir -p "$work/$server"
  echo "hello from $server" > "$work/$server/index.html"
  /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/$server" >"$work/$server.log" 2>&1 &
  pids+=($!)
done

# --- TLS: a CA of the demo's own and a certificate for localhost / 127.0.0.1 ---
tls="$work/tls"
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=switchyard demo CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 7 \
  -copy_extensions copy -out "$tls/server.pem" 2>/dev/null
# --- end TLS ---

# --- PostgreSQL: one server on :54329 with a database "app", user app/apppw ---
chmod 755 "$work"
mkdir -p "$pg_data" && [ "$(id -u)" -eq 0 ] && chown postgres "$pg_data"
echo "postgres" > "$work/pg_superuser_password" && chmod 644 "$work/pg_superuser_password"
as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=scram-sha-256 --pwfile="$work/pg_superuser_password" >"$work/initdb.log" 2>&1
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/postgres.log" -w \
  -o "-p 54329 -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
PGPASSWORD=postgres psql -qX -h 127.0.0.1 -p 54329 -U postgres -c "CREATE ROLE app LOGIN PASSWORD 'apppw'" >/dev/null
PGPASSWORD=postgres psql -qX -h 127.0.0.1 -p 54329 -U postgres -c "CREATE DATABASE app OWNER app" >/dev/null
# --- end PostgreSQL ---

# --- Redis: a master on :63790, its replica on :63791, three Sentinels on :26390-26392 ---
redis_up() { for _ in $(seq 1 50); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
for port in 63790 63791; do
  mkdir -p "$work/redis-$port"
  extra=()
  [ "$port" = 63791 ] && extra=(--replicaof 127.0.0.1 63790)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis-$port" --save '' --appendonly no \
    "${extra[@]}" >"$work/redis-$port.log" 2>&1 &
  pids+=($!)
  redis_up "$port" || { echo "demo: redis-server :$port did not start"; cat "$work/redis-$port.log"; exit 1; }
done
for port in 26390 26391 26392; do
  printf 'port %s\nbind 127.0.0.1\nsentinel monitor demo 127.0.0.1 63790 2\nsentinel down-after-milliseconds demo 1000\nsentinel failover-timeout demo 5000\n' \
    "$port" > "$work/sentinel-$port.conf"
  redis-sentinel "$work/sentinel-$port.conf" >"$work/sentinel-$port.log" 2>&1 &
  pids+=($!)
  redis_up "$port" || { echo "demo: redis-sentinel :$port did not start"; exit 1; }
done
# --- end Redis ---

# --- failover demo: a streaming replica of :54329 on :54330 ---
config="$root/examples/demo.toml"
if [ "$failover" = 1 ]; then
  config="$root/examples/demo-failover.toml"
  mkdir -p "$pg2_data" && chmod 700 "$pg2_data"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg2_data"
  as_pg "$pg_bin/pg_basebackup" -d "host=127.0.0.1 port=54329 user=postgres password=postgres" \
    -D "$pg2_data" -R -X stream -c fast >"$work/basebackup.log" 2>&1 ||
    { echo "demo: pg_basebackup failed:"; cat "$work/basebackup.log"; exit 1; }
  as_pg "$pg_bin/pg_ctl" -D "$pg2_data" -l "$pg2_data/postgres.log" -w \
    -o "-p 54330 -k $pg2_data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  # Commits wait until the replica has them: every acknowledged write survives the failover.
  # (Set on the primary only, after the copy: the promoted replica must not wait for a standby.)
  PGPASSWORD=postgres psql -qX -h 127.0.0.1 -p 54329 -U postgres \
    -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 100); do
    [ "$(PGPASSWORD=postgres psql -qXAt -h 127.0.0.1 -p 54329 -U postgres \
          -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
    sleep 0.1
  done
fi
# --- end failover demo ---

"$bin" --config "$config" 2>"$work/switchyard.log" &
pids+=($!)
ctl() { "$bin" ctl --socket "$work/admin.sock" "$@"; }
for _ in $(seq 1 50); do ctl show listeners >/dev/null 2>&1 && break; sleep 0.1; done
ctl show listeners >/dev/null || { echo "demo: switchyard did not start:"; cat "$work/switchyard.log"; exit 1; }

cat <<MSG

switchyard demo is running (log: $work/switchyard.log)

  web (http)       127.0.0.1:8080  ->  api.localhost and /api/  ->  api1 :8084
                                   everything else           ->  app1 :8081, app2 :8082, spare :8083 (backup)
  web-tls (https)  127.0.0.1:8443  ->  app1, app2, spare, with a certificate of the demo's CA ($tls/ca.pem)
  pg  (postgres)   127.0.0.1:6432  ->  PostgreSQL :54329, database "app", transaction pooling (TLS or plain)
  cache (redis)    127.0.0.1:6380  ->  the Redis master the Sentinels (:26390-26392) name: :63790, replica :63791
  cache-reads      127.0.0.1:6381  ->  the same, reads (GET & co.) from the replica

Try:
  curl -s http://127.0.0.1:8080/                       # alternates app1 / app2
  curl -s http://127.0.0.1:8080/api/                   # api1 (path route, /api/ stripped)
  curl -s -H 'Host: api.localhost' http://127.0.0.1:8080/   # api1 (host route)
  curl -si -c /tmp/jar -b /tmp/jar http://127.0.0.1:8080/   # sticky: the cookie keeps you on one server
  curl -s http://127.0.0.1:8080/healthz                # answered by switchyard itself
  $bin ctl --socket $work/admin.sock show servers
  $bin ctl --socket $work/admin.sock drain app/app1    # new connections go to app2 only
  $bin ctl --socket $work/admin.sock ready app/app1
  $bin ctl --socket $work/admin.sock set weight app/app2 300
  kill the app1 and app2 python servers and watch spare take over (the log says DOWN/UP)

  curl -s --cacert $tls/ca.pem https://localhost:8443/   # HTTPS, verified against the demo CA
  $bin ctl --socket $work/admin.sock show certificates

  PGPASSWORD=apppw psql -h 127.0.0.1 -p 6432 -U app app          # through the pooler
  PGPASSWORD=apppw psql "host=localhost port=6432 user=app dbname=app sslmode=verify-full sslrootcert=$tls/ca.pem channel_binding=require"
  PGPASSWORD=apppw pgbench -i -h 127.0.0.1 -p 6432 -U app app && \
    PGPASSWORD=apppw pgbench -c 20 -T 10 -M prepared -h 127.0.0.1 -p 6432 -U app app
  $bin ctl --socket $work/admin.sock show pools                  # 20 clients over 5 server connections

  redis-cli -p 6380 set greeting hello && redis-cli -p 6380 get greeting
  redis-cli -p 6381 get greeting                                 # read from the replica (read_from)
  redis-benchmark -p 6380 -t set,get -n 20000 -c 50 -P 16 -q     # many clients over 2 server connections
  $bin ctl --socket $work/admin.sock show servers cache          # master and replica, learned from Sentinel
  redis-cli -p 26390 sentinel failover demo                      # planned failover: clients keep working

Ctrl-C stops everything.
MSG

# --- failover demo: writes through :6432 while the primary dies and the replica is promoted ---
if [ "$failover" = 1 ]; then
  cat <<MSG
Failover: :54330 is a streaming replica of :54329; switchyard checks both (type = "postgres").
  $bin ctl --socket $work/admin.sock show clusters

A writer (one connection to :6432, one INSERT every 250 ms) runs now; the primary is stopped
hard after 4 s, the replica promoted 1 s later.

MSG
  for _ in $(seq 1 50); do  # switchyard has seen both roles
    [ "$(ctl show clusters --json 2>/dev/null | grep -o '"role": *"[a-z]*"' | sort | tr -d ' \n')" = \
      '"role":"primary""role":"replica"' ] && break
    sleep 0.1
  done
  sy_log_mark=$(wc -c <"$work/switchyard.log")
  /usr/bin/python3 - "$work/writer.stop" "$work/writer.acked" <<'PY' &
import os, sys, time
import psycopg2
stop_file, acked_file = sys.argv[1], sys.argv[2]
def now():
    return time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
conn = psycopg2.connect("host=127.0.0.1 port=6432 dbname=app user=app password=apppw")
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("DROP TABLE IF EXISTS failover_demo; CREATE TABLE failover_demo (id int PRIMARY KEY, port int)")
acked, errors, n = [], 0, 0
while not os.path.exists(stop_file):
    n += 1
    started = time.monotonic()
    try:
        if conn.closed:
            conn = psycopg2.connect("host=127.0.0.1 port=6432 dbname=app user=app password=apppw")
            conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("INSERT INTO failover_demo VALUES (%s, inet_server_port()) RETURNING port", (n,))
            port = cur.fetchone()[0]
        acked.append(n)
        print(f"  {now()}  write {n:3d} acknowledged by :{port}  ({(time.monotonic() - started) * 1000:.0f} ms)",
              flush=True)
    except psycopg2.Error as error:
        errors += 1
        state = "connection lost" if conn.closed else "connection still open"
        print(f"  {now()}  write {n:3d} FAILED: {error.pgcode or ''} {str(error).strip().splitlines()[0]} ({state})",
              flush=True)
    time.sleep(0.25)
with open(acked_file, "w") as f:
    f.write(" ".join(map(str, acked)))
print(f"  writer: {len(acked)} writes acknowledged, {errors} failed, one connection throughout: "
      f"{'yes' if not conn.closed else 'no'}", flush=True)
PY
  writer=$!
  pids+=("$writer")
  sleep 4
  echo "  $(date +%T.%3N)  >>> stopping the primary :54329 hard (pg_ctl stop -m immediate)"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null
  sleep 1
  echo "  $(date +%T.%3N)  >>> promoting the replica :54330 (pg_ctl promote)"
  as_pg "$pg_bin/pg_ctl" -D "$pg2_data" promote -W >/dev/null
  sleep 4
  touch "$work/writer.stop"
  wait "$writer" || true
  rows=$(PGPASSWORD=postgres psql -qXAt -h 127.0.0.1 -p 54330 -U postgres -d app -c \
    "SELECT count(*) FROM failover_demo WHERE id = ANY ('{$(tr ' ' , <"$work/writer.acked")}'::int[])")
  echo "  acknowledged writes on the new primary :54330: $rows of $(wc -w <"$work/writer.acked")"
  echo
  echo "switchyard's log about the role change:"
  tail -c +"$((sy_log_mark + 1))" "$work/switchyard.log" | grep -E 'cluster pg|server pg/' | sed 's/^/  /' || true
  echo
  echo "Redis: writes through :6380 while the Sentinels move the master to :63791 (SENTINEL FAILOVER)"
  /usr/bin/python3 - <<'PY'
import subprocess, threading, time
import redis
client = redis.Redis(port=6380, socket_timeout=5)
stop, done, errors = threading.Event(), [], []
def write():
    n = 0
    while not stop.is_set():
        n += 1
        try:
            client.set(f"demo:{n}", n)
            done.append(n)
        except redis.RedisError as error:
            errors.append(repr(error))
        time.sleep(0.01)
writer = threading.Thread(target=write)
writer.start()
time.sleep(1)
print(f"  {time.strftime('%T')}  >>> SENTINEL FAILOVER demo")
subprocess.run(["redis-cli", "-p", "26390", "sentinel", "failover", "demo"], check=False, capture_output=True)
time.sleep(5)
stop.set()
writer.join()
master = redis.Redis(port=63791).execute_command("ROLE")[0].decode()
print(f"  {len(done)} writes, {len(errors)} errors; :63791 is now {master}")
PY
  echo
  echo "The demo keeps running (pg1 :54329 stays down; pg2 :54330 is the primary). Ctrl-C stops everything."
fi
# --- end failover demo ---
tail -n 0 -f "$work/switchyard.log" &
pids+=($!)
wait "${pids[4]}"  # switchyard
