// libFuzzer target for the RESP codec: any bytes, framed as client requests
// and as server replies, must hold the invariants of
// tests/unit/resp/framing_invariants.hpp (chunking-independent framing, frames
// that tile the input, commands that survive re-encoding) and never crash.
// Build: clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//          tests/fuzz/resp_fuzz.cpp resp/*.cpp -o resp_fuzz
// Run:   ./resp_fuzz -max_total_time=60 tests/fuzz/corpus/resp
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tests/unit/resp/framing_invariants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks where the input is split in two; the rest is the input.
  size_t split = size_t(data[0]) * 7;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (const char* problem = sy::resp::test::check_framing_invariants(input, split)) {
    std::fprintf(stderr, "resp_fuzz: %s\n", problem);
    std::abort();
  }
  return 0;
}
