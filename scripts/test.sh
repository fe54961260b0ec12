#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (unit + integration) through ctest; then builds build-asan with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests and a
# slice of the integration tests against it (tests/sanitize/run.sh fails a
# test on any sanitizer report). Exits non-zero on any failure.
# SWITCHYARD_SKIP_SANITIZE=1 skips the sanitizer part (local runs; CI runs it).
# Arguments go to both ctest runs (e.g. -R pg_).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup"
"$root/scripts/build.sh"
status=0
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure --timeout 600 "$@") || status=1
if [ "${SWITCHYARD_SKIP_SANITIZE:-0}" = 1 ]; then
  echo "test: sanitizer build skipped (SWITCHYARD_SKIP_SANITIZE=1)"
  exit "$status"
fi
# Only the binary and the unit tests: the slice needs no other driver, and
# the fuzz targets and the layering check run in the plain build.
asan_dir=${ASAN_BUILD_DIR:-$root/build-asan}
started=$SECONDS
BUILD_DIR=$asan_dir BUILD_TARGETS="switchyard unit_tests" "$root/scripts/build.sh" -DSWITCHYARD_SANITIZE=ON
built=$SECONDS
(cd "$asan_dir" && ctest --output-on-failure --timeout 600 "$@") || status=1
echo "test: sanitizer job took $((SECONDS - started)) s (build $((built - started)) s, tests $((SECONDS - built)) s)"
exit "$status"
