#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, starts a small
# topology with switchyard in front (examples/demo.toml), prints what to try,
# and runs until Ctrl-C, then stops everything it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup"
"$root/scripts/build.sh"
bin="${BUILD_DIR:-$root/build}/switchyard"
work=/tmp/switchyard-demo
rm -rf "$work" && mkdir -p "$work"
pids=()

pg_bin=/usr/lib/postgresql/15/bin
pg_data="$work/pg"
# PostgreSQL will not run as root: use the postgres account then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$pg_data/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 8080 8081 8082 8083 8084 6432 54329; do
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

"$bin" --config "$root/examples/demo.toml" 2>"$work/switchyard.log" &
pids+=($!)
ctl() { "$bin" ctl --socket "$work/admin.sock" "$@"; }
for _ in $(seq 1 50); do ctl show listeners >/dev/null 2>&1 && break; sleep 0.1; done
ctl show listeners >/dev/null || { echo "demo: switchyard did not start:"; cat "$work/switchyard.log"; exit 1; }

cat <<MSG

switchyard demo is running (log: $work/switchyard.log)

  web (http)       127.0.0.1:8080  ->  api.localhost and /api/  ->  api1 :8084
                                   everything else           ->  app1 :8081, app2 :8082, spare :8083 (backup)
  pg  (postgres)   127.0.0.1:6432  ->  PostgreSQL :54329, database "app", transaction pooling

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

  PGPASSWORD=apppw psql -h 127.0.0.1 -p 6432 -U app app          # through the pooler
  PGPASSWORD=apppw pgbench -i -h 127.0.0.1 -p 6432 -U app app && \
    PGPASSWORD=apppw pgbench -c 20 -T 10 -M prepared -h 127.0.0.1 -p 6432 -U app app
  $bin ctl --socket $work/admin.sock show pools                  # 20 clients over 5 server connections

Ctrl-C stops everything.
MSG
tail -n 0 -f "$work/switchyard.log" &
pids+=($!)
wait "${pids[4]}"  # switchyard
