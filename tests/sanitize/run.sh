#!/usr/bin/env bash
# Runs one test command of the sanitizer build (build-asan) and fails it on
# any AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report
# from any process it started. Reports go to files rather than stderr because
# the integration tests send the proxy's stderr to a log nobody reads when the
# test passes, and a report at exit (a leak after SIGTERM) changes no result
# the test looks at. Usage: tests/sanitize/run.sh COMMAND [ARGS...]
set -uo pipefail
reports=$(mktemp -d /tmp/sy-sanitize-XXXXXX)
trap 'rm -rf "$reports"' EXIT
# halt_on_error: the first report stops the process (UBSan too, since the
# build has -fno-sanitize-recover). detect_leaks: LeakSanitizer at every exit.
# Options the caller already set come first, so these win.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}halt_on_error=1:detect_leaks=1:log_path=$reports/asan:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(dirname "$0")/lsan.supp:print_suppressions=0"
"$@"
status=$?
shopt -s nullglob
found=("$reports"/*)
if [[ ${#found[@]} -gt 0 ]]; then
  for report in "${found[@]}"; do
    echo "===== sanitizer report $(basename "$report") ====="
    cat "$report"
  done
  echo "sanitize: ${#found[@]} report(s) from: $*" >&2
  exit 1
fi
exit "$status"
