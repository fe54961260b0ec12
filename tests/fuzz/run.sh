#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan + libFuzzer) and
# runs each over its committed corpus for a while. Usage:
#   tests/fuzz/run.sh [--seconds N] [TARGET...]      (default: every target, 20 s each)
# Exits non-zero when a target does not build or finds a crash; the crashing
# input is kept in $FUZZ_DIR/<target>/ (crash-*). New inputs the run finds go
# to a scratch corpus, never into the committed one. CI runs a short slice of
# this through ctest (fuzz/<target>); a campaign is the same with --seconds 3600.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=20
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
# target -> the sources it is built from (besides tests/fuzz/<target>_fuzz.cpp) and its libraries
declare -A sources=(
  [resp]="resp/*.cpp"
  [pgwire]="pgwire/*.cpp"
  [proxy_header]="proxy/proxy_protocol/header.cpp"
  [tls_server]="tests/unit/tls/test_pki.cpp tls/*.cpp"
  [http_parser]="proxy/http/parser.cpp proxy/http/message_head.cpp"
  [config]="conf/*.cpp tests/fuzz/toml_implementation.cpp"
  [admin_command]="proxy/admin/command_line.cpp proxy/core/log_guard.cpp"
)
sources[pgwire]+=" proxy/postgres/server_authenticator.cpp"
declare -A libraries=([tls_server]="-lssl -lcrypto" [pgwire]="-lssl -lcrypto")
# C sources (compiled apart, as C) and the compiler flags a target needs besides -I.
llhttp=/usr/share/llhttp
declare -A c_sources=([http_parser]="$llhttp/api.c $llhttp/http.c $llhttp/llhttp.c")
# config: toml++ compiled into the target (toml_implementation.cpp), so that
# its parser is instrumented too, instead of linking Debian's shared library.
# Its internal asserts are off, as in the library the binary links: toml++
# 3.3 asserts (and, built with NDEBUG, assumes) that a table header's key
# starts with a key character, which "[*" breaks (found here; upstream's to
# fix, the parser then reports the error as it should).
declare -A flags=([http_parser]="-isystem /usr/share/include/llhttp -DLLHTTP_STRICT_MODE=1"
                  [config]="-DTOML_HEADER_ONLY=0 -DTOML_ASSERT(expr)=((void)0)")
[[ ${#targets[@]} -gt 0 ]] || targets=(resp pgwire proxy_header tls_server http_parser config admin_command)
clang=$(command -v clang++-14 || true)
[[ -n $clang ]] || { echo "fuzz: clang++-14 is missing (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
fuzz_dir=${FUZZ_DIR:-$root/build/fuzz}
mkdir -p "$fuzz_dir"
status=0
for target in "${targets[@]}"; do
  [[ -n ${sources[$target]:-} ]] || { echo "fuzz: unknown target $target" >&2; exit 2; }
  work="$fuzz_dir/$target"
  mkdir -p "$work/scratch"
  binary="$work/${target}_fuzz"
  sanitize=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
  # Built again only when a file it may be made of changed since the last
  # build (any source or header of ours, or this script): the ctest slices
  # then spend their time fuzzing, not compiling.
  changed=$(cd "$root" && find tests/fuzz tests/unit conf pgwire proxy resp tls \
              \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name run.sh \) -newer "$binary" -print -quit 2>/dev/null || true)
  if [[ ! -x $binary || -n $changed ]]; then
    objects=()
    # shellcheck disable=SC2086  # the source lists are globs, the flag lists words
    for c_source in ${c_sources[$target]:-}; do
      objects+=("$work/$(basename "$c_source" .c).o")
      "${clang%++-14}-14" "${sanitize[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" ${flags[$target]:-} -w \
        -c "$c_source" -o "${objects[-1]}" || { echo "fuzz: $c_source does not build" >&2; status=1; continue 2; }
    done
    rm -f "$binary"
    # shellcheck disable=SC2086
    (cd "$root" && "$clang" -std=c++20 "${sanitize[@]}" ${flags[$target]:-} \
       -I. "tests/fuzz/${target}_fuzz.cpp" ${sources[$target]} "${objects[@]}" ${libraries[$target]:-} -o "$binary") ||
      { echo "fuzz: $target does not build" >&2; status=1; continue; }
  fi
  echo "fuzz: $target for ${seconds}s over tests/fuzz/corpus/$target"
  if ! (cd "$work" && "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
          scratch "$root/tests/fuzz/corpus/$target" >"$work/log" 2>&1); then
    tail -n 40 "$work/log" >&2
    echo "fuzz: $target FAILED; the input is in $work (crash-*, timeout-*, oom-*)" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/log" | tail -n 2
  fi
done
exit $status
