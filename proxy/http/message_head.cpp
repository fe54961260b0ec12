// Header lookups on a parsed message head; see message_head.hpp.
#include "proxy/http/message_head.hpp"

namespace sy::http {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> MessageHead::find(std::string_view name) const {
  for (const Field& field : headers_)
    if (equals_ignoring_case(view(field.name), name)) return view(field.value);
  return std::nullopt;
}

size_t MessageHead::count(std::string_view name) const {
  size_t n = 0;
  for (const Field& field : headers_) n += equals_ignoring_case(view(field.name), name);
  return n;
}

bool MessageHead::has_token(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const Field& field : headers_) {
    if (!equals_ignoring_case(view(field.name), name)) continue;
    for_each_token(view(field.value), [&](std::string_view t) {
      found = equals_ignoring_case(t, token);
      return !found;
    });
    if (found) return true;
  }
  return false;
}

void MessageHead::clear() {
  method = {};
  status = 0;
  version_major = 1;
  version_minor = 1;
  keep_alive = true;
  upgrade = false;
  chunked = false;
  content_length.reset();
  storage_.clear();
  target_ = {};
  headers_.clear();
  trailers_.clear();
}

}  // namespace sy::http
