// A parsed HTTP/1.x message head (request line or status line, headers) and
// the trailers of a chunked body, as the Parser leaves them: the bytes live
// in one buffer that is reused from message to message, so parsing a
// request allocates nothing once the buffers have grown to their working size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sy::http {

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive comparison, as header names and tokens compare.
bool equals_ignoring_case(std::string_view a, std::string_view b);

class MessageHead {
 public:
  // --- request line ---
  // A static string ("GET"), or the parser's copy of a method llhttp does
  // not know ("BREW"), valid until the next request begins; empty for responses.
  std::string_view method;
  std::string_view target() const { return view(target_); }
  // --- status line ---
  int status = 0;
  std::string_view reason() const { return view(target_); }
  // --- both ---
  uint8_t version_major = 1;
  uint8_t version_minor = 1;
  bool keep_alive = true;  // the sender allows another message after this one
  bool upgrade = false;    // Upgrade requested (request) or switched (101 response)
  bool chunked = false;    // Transfer-Encoding ends in chunked
  std::optional<uint64_t> content_length;

  size_t header_count() const { return headers_.size(); }
  HeaderView header(size_t index) const { return {view(headers_[index].name), view(headers_[index].value)}; }
  // The first header of that name, if any.
  std::optional<std::string_view> find(std::string_view name) const;
  size_t count(std::string_view name) const;
  // Whether a comma-separated header (Connection, Transfer-Encoding...)
  // lists `token` in any of its occurrences.
  bool has_token(std::string_view name, std::string_view token) const;

  size_t trailer_count() const { return trailers_.size(); }
  HeaderView trailer(size_t index) const { return {view(trailers_[index].name), view(trailers_[index].value)}; }

  bool is_http10() const { return version_major == 1 && version_minor == 0; }

 private:
  friend class Parser;
  struct Range {
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  struct Field {
    Range name;
    Range value;
  };

  std::string_view view(Range range) const { return {storage_.data() + range.offset, range.length}; }
  void clear();

  std::string storage_;  // target or reason, then names and values, in arrival order
  Range target_;
  std::vector<Field> headers_;
  std::vector<Field> trailers_;
};

// Calls `visit(token)` for each comma-separated token of a header value,
// trimmed of spaces and tabs; stops early when `visit` returns false.
template <typename Visit>
void for_each_token(std::string_view value, Visit visit) {
  while (!value.empty()) {
    auto comma = value.find(',');
    std::string_view token = value.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty() && !visit(token)) return;
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace sy::http
