// Escaping and rate limits for client-triggered log lines; see log_guard.hpp.
#include "proxy/core/log_guard.hpp"

namespace sy::core {

std::string printable(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == max_bytes) {
      out += "...";
      break;
    }
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') out += "\\n";
    else if (byte == '\r') out += "\\r";
    else if (byte == '\t') out += "\\t";
    else if (byte < 0x20 || byte >= 0x7f || byte == '"' || byte == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out;
}

bool LogRateLimit::allow(uint64_t now_ms, uint64_t& suppressed) {
  suppressed = 0;
  if (now_ms - window_start_ms_ >= 1000) {
    window_start_ms_ = now_ms;
    in_window_ = 0;
  }
  if (in_window_ >= per_second_) {
    ++dropped_;
    return false;
  }
  ++in_window_;
  suppressed = dropped_;
  dropped_ = 0;
  return true;
}

}  // namespace sy::core
