// libFuzzer target for the PROXY protocol header reader (v1 text and v2
// binary): any bytes give need_more, done or invalid; done never claims more
// bytes than were given; and a header that parses parses the same when the
// bytes arrive one by one (the reader is re-run on a growing buffer).
// Build and run: tests/fuzz/run.sh proxy_header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/proxy_protocol/header.hpp"

using sy::proxy_protocol::parse;
using sy::proxy_protocol::ParseResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseResult whole = parse(input);
  if (whole.status == ParseResult::Status::done && (whole.length == 0 || whole.length > size)) std::abort();
  // Growing one byte at a time must reach the same verdict at the same length.
  for (size_t length = 1; length <= size && length <= 600; ++length) {
    ParseResult prefix = parse(input.substr(0, length));
    if (prefix.status == ParseResult::Status::need_more) continue;
    if (prefix.status != whole.status) std::abort();
    if (prefix.status == ParseResult::Status::done && prefix.length != whole.length) std::abort();
    break;
  }
  return 0;
}
