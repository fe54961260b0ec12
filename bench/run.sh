#!/usr/bin/env bash
# Runs switchyard's side-by-side benchmarks: builds the Release binary, then
# the Python harness. Usage: bench/run.sh [--quick] [--duration S] [--rounds N] [--workers N] [SUITE...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in haproxy nginx wrk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install haproxy nginx-light wrk)" >&2; exit 2; }
done

build_log="$root/build-release/bench-build.log"
mkdir -p "$root/build-release"
echo "bench: building the Release binary (log: $build_log)" >&2
if ! BUILD_DIR="$root/build-release" BUILD_TYPE=Release "$root/scripts/build.sh" >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  echo "bench: build failed" >&2
  exit 2
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # proxies and wrk need many descriptors
exec /usr/bin/python3 "$root/bench/harness/run.py" --switchyard "$root/build-release/switchyard" "$@"
