#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (unit + integration) through ctest. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup"
"$root/scripts/build.sh"
cd "${BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 600 "$@"
