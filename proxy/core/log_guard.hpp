// What keeps client-triggered log lines safe: printable() escapes any string
// a client controls (an SNI name, a user name) so that it cannot forge a log
// line, and LogRateLimit caps how many lines one kind of client error writes
// per second, so a flood of bad handshakes cannot flood the log. Suppressed
// lines are counted and named on the next line that gets through.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::core {

// `text` with control bytes, quotes, backslashes and non-ASCII bytes
// written as \xNN (\n, \r, \t by name), cut at `max_bytes` with "...".
std::string printable(std::string_view text, size_t max_bytes = 256);

class LogRateLimit {
 public:
  explicit LogRateLimit(unsigned per_second = 10) : per_second_(per_second) {}

  // Whether a line may be written at `now_ms` (a monotonic clock). When it
  // may and lines were dropped since the last one, `suppressed` says how
  // many (else 0).
  bool allow(uint64_t now_ms, uint64_t& suppressed);

 private:
  unsigned per_second_;
  uint64_t window_start_ms_ = 0;
  unsigned in_window_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace sy::core
