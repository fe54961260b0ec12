// CRLF search and strict integers; see line_scan.hpp.
#include "resp/line_scan.hpp"

#include <cstring>
#include <limits>

namespace sy::resp {

LineEnd find_line_end(std::string_view bytes, size_t& scan_from, size_t& line_end) {
  if (scan_from >= bytes.size()) return LineEnd::need_more;
  const void* cr = std::memchr(bytes.data() + scan_from, '\r', bytes.size() - scan_from);
  if (cr == nullptr) {
    scan_from = bytes.size();
    return LineEnd::need_more;
  }
  size_t at = size_t(static_cast<const char*>(cr) - bytes.data());
  if (at + 1 == bytes.size()) {
    scan_from = at;  // look at this '\r' again once its '\n' may be there
    return LineEnd::need_more;
  }
  line_end = at;
  return bytes[at + 1] == '\n' ? LineEnd::found : LineEnd::bad_crlf;
}

bool parse_integer(std::string_view text, int64_t& value) {
  if (text.empty() || text.size() > 20) return false;  // "-9223372036854775808" is 20 characters
  if (text == "0") {
    value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = text[0] == '-';
  if (negative) ++i;
  if (i == text.size() || text[i] < '1' || text[i] > '9') return false;
  // Accumulate as a negative number: its range includes INT64_MIN.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t accumulated = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    int digit = c - '0';
    if (accumulated < kMin / 10) return false;
    accumulated *= 10;
    if (accumulated < kMin + digit) return false;
    accumulated -= digit;
  }
  if (!negative) {
    if (accumulated == kMin) return false;
    accumulated = -accumulated;
  }
  value = accumulated;
  return true;
}

}  // namespace sy::resp
