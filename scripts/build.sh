#!/usr/bin/env bash
# Configures and builds switchyard into build/ (or $BUILD_DIR). Quiet unless
# the build fails or VERBOSE=1.
# Usage: scripts/build.sh [extra cmake args...]   e.g. -DSWITCHYARD_SANITIZE=ON
# BUILD_TARGETS="a b" builds only those targets (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
mkdir -p "$build_dir"
log="$build_dir/build.log"
echo "build: $build_dir (log: $log)"
if ! { cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" &&
       cmake --build "$build_dir" -j"$(nproc)" ${BUILD_TARGETS:+--target $BUILD_TARGETS}; } >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "build: FAILED (full log: $log)" >&2
  exit 1
fi
[ "${VERBOSE:-0}" = 1 ] && cat "$log"
echo "build: ok"
