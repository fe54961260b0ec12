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

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 8080 8081 8082 8083; do
  port_free "$port" || { echo "demo: port $port is in use; stop what uses it first" >&2; exit 1; }
done

# Three HTTP backends, each serving a page that names it.
for name in app1:8081 app2:8082 spare:8083; do
  server=${name%%:*} port=${name##*:}
  mkdir -p "$work/$server"
  echo "hello from $server" > "$work/$server/index.html"
  /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/$server" >"$work/$server.log" 2>&1 &
  pids+=($!)
done

"$bin" --config "$root/examples/demo.toml" 2>"$work/switchyard.log" &
pids+=($!)
ctl() { "$bin" ctl --socket "$work/admin.sock" "$@"; }
for _ in $(seq 1 50); do ctl show listeners >/dev/null 2>&1 && break; sleep 0.1; done
ctl show listeners >/dev/null || { echo "demo: switchyard did not start:"; cat "$work/switchyard.log"; exit 1; }

cat <<MSG

switchyard demo is running (log: $work/switchyard.log)

  web (tcp)  127.0.0.1:8080  ->  app1 :8081, app2 :8082, spare :8083 (backup)

Try:
  curl -s http://127.0.0.1:8080/                       # alternates app1 / app2
  $bin ctl --socket $work/admin.sock show servers
  $bin ctl --socket $work/admin.sock drain app/app1    # new connections go to app2 only
  $bin ctl --socket $work/admin.sock ready app/app1
  $bin ctl --socket $work/admin.sock set weight app/app2 300
  kill the app1 and app2 python servers and watch spare take over (the log says DOWN/UP)

Ctrl-C stops everything.
MSG
tail -n 0 -f "$work/switchyard.log" &
pids+=($!)
wait "${pids[3]}"
