#!/usr/bin/env bash
# Runs switchyard's side-by-side benchmarks: builds the Release binary, then
# the Python harness. Usage: bench/run.sh [--quick] [--duration S] [--rounds N] [--workers N]
# [--idle-clients N] [--switchyard BINARY --revision TEXT] [SUITE...]   (--switchyard: no build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# the tools of the suites asked for (all of them when none is named)
suites=()
takes_value=
prebuilt=
for arg in "$@"; do
  if [[ -n $takes_value ]]; then takes_value=; continue; fi
  case "$arg" in
    --switchyard) takes_value=1; prebuilt=1 ;;  # a binary built elsewhere: no build here
    --duration|--rounds|--workers|--idle-clients|--revision) takes_value=1 ;;
    -*) ;;
    *) suites+=("$arg") ;;
  esac
done
[[ ${#suites[@]} -gt 0 ]] || suites=(l4 http tls postgres failover redis redis_failover)
need() {  # tool, package
  command -v "$1" >/dev/null || { echo "bench: $1 is missing (apt-get install $2)" >&2; exit 2; }
}
for suite in "${suites[@]}"; do
  case "$suite" in
    l4|http|tls) need haproxy haproxy; need nginx nginx-light; need wrk wrk ;;
    postgres) need /usr/lib/postgresql/15/bin/pgbench postgresql-15; need /usr/sbin/pgbouncer pgbouncer ;;
    redis) need /usr/bin/redis-server redis-server; need redis-benchmark redis-tools
           need /usr/sbin/nutcracker nutcracker ;;
    redis_failover) need /usr/bin/redis-server redis-server; need /usr/bin/redis-sentinel redis-sentinel
                    /usr/bin/python3 -c 'import redis' 2>/dev/null ||
                      { echo "bench: redis-py is missing (apt-get install python3-redis)" >&2; exit 2; } ;;
    failover) need /usr/lib/postgresql/15/bin/pg_basebackup postgresql-15; need /usr/sbin/pgbouncer pgbouncer
              need haproxy haproxy
              /usr/bin/python3 -c 'import psycopg2' 2>/dev/null ||
                { echo "bench: psycopg2 is missing (apt-get install python3-psycopg2)" >&2; exit 2; } ;;
  esac
done

if [[ -z $prebuilt ]]; then
  build_log="$root/build-release/bench-build.log"
  mkdir -p "$root/build-release"
  echo "bench: building the Release binary (log: $build_log)" >&2
  if ! BUILD_DIR="$root/build-release" BUILD_TYPE=Release "$root/scripts/build.sh" >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    echo "bench: build failed" >&2
    exit 2
  fi
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # proxies and wrk need many descriptors
exec /usr/bin/python3 "$root/bench/harness/run.py" --switchyard "$root/build-release/switchyard" "$@"
