// Framing of client commands, multibulk and inline; see frame_parser.hpp.
// Follows processMultibulkBuffer/processInlineBuffer in Redis' networking.c
// (same limits, same error texts), except that CRLF is checked, not assumed.
#include <algorithm>
#include <climits>
#include <cstring>

#include "resp/frame_parser.hpp"
#include "resp/inline_command.hpp"
#include "resp/line_scan.hpp"

namespace sy::resp {
namespace {

// A pipeline of small commands keeps its argument vector; one huge command
// does not pin its memory for the rest of the connection.
constexpr size_t kKeptArgumentCapacity = 4096;

}  // namespace

void RequestParser::reset() {
  state_ = State::frame_start;
  position_ = 0;
  scan_from_ = 0;
  args_left_ = 0;
  bulk_length_ = 0;
}

ParseResult RequestParser::fail(ParseError error, char got) {
  std::string_view text = error_text(error);
  size_t length = std::min(text.size(), error_message_.size() - 2);
  std::memcpy(error_message_.data(), text.data(), length);
  if (error == ParseError::expected_dollar) {
    error_message_[length++] = got;
    error_message_[length++] = '\'';
  }
  error_message_length_ = length;
  reset();
  return {ParseStatus::error, error, {}};
}

ParseResult RequestParser::finish(FrameKind kind, size_t length, std::string_view argument_bytes) {
  ParseResult result;
  result.status = ParseStatus::frame;
  result.frame.kind = kind;
  result.frame.length = length;
  result.frame.arguments = arguments_;
  result.frame.argument_bytes = argument_bytes;
  reset();
  return result;
}

ParseResult RequestParser::parse(std::span<const uint8_t> bytes) {
  std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (state_ == State::frame_start) {
    if (data.empty()) return {};
    if (arguments_.capacity() > kKeptArgumentCapacity) arguments_ = {};
    arguments_.clear();
    if (data[0] == '*') {
      state_ = State::multibulk_count;
      scan_from_ = 1;
    } else {
      state_ = State::inline_line;
      scan_from_ = 0;
    }
  }
  return state_ == State::inline_line ? parse_inline(data) : parse_multibulk(data);
}

ParseResult RequestParser::parse_inline(std::string_view data) {
  // An inline command ends at '\n', with or without a '\r' before it.
  const void* newline =
      scan_from_ < data.size() ? std::memchr(data.data() + scan_from_, '\n', data.size() - scan_from_) : nullptr;
  if (newline == nullptr) {
    scan_from_ = data.size();
    size_t content = data.size() - (data.back() == '\r' ? 1 : 0);
    if (content > limits_.max_inline_length) return fail(ParseError::too_big_inline_request);
    return {};
  }
  size_t line_end = size_t(static_cast<const char*>(newline) - data.data());
  size_t content_end = line_end;
  if (content_end > 0 && data[content_end - 1] == '\r') --content_end;
  if (content_end > limits_.max_inline_length) return fail(ParseError::too_big_inline_request);
  if (std::memchr(data.data(), '\0', content_end) != nullptr) return fail(ParseError::nul_in_inline_request);
  if (!split_inline_command(data.substr(0, content_end), inline_arguments_, arguments_)) {
    return fail(ParseError::unbalanced_quotes);
  }
  return finish(FrameKind::inline_command, line_end + 1, inline_arguments_);
}

ParseResult RequestParser::parse_multibulk(std::string_view data) {
  while (true) {
    switch (state_) {
      case State::multibulk_count: {
        size_t line_end = 0;
        LineEnd end = find_line_end(data, scan_from_, line_end);
        if (end == LineEnd::need_more) {
          if (scan_from_ - 1 > limits_.max_inline_length) return fail(ParseError::too_big_mbulk_count);
          return {};
        }
        // The same verdict whether the long line came at once or in pieces.
        if (line_end - 1 > limits_.max_inline_length) return fail(ParseError::too_big_mbulk_count);
        if (end == LineEnd::bad_crlf) return fail(ParseError::missing_crlf);
        int64_t count = 0;
        if (!parse_integer(data.substr(1, line_end - 1), count) || count > INT_MAX ||
            (count > 0 && uint64_t(count) > limits_.max_args)) {
          return fail(ParseError::invalid_multibulk_length);
        }
        position_ = line_end + 2;
        if (count <= 0) return finish(FrameKind::command, position_, data);
        args_left_ = size_t(count);
        arguments_.reserve(std::min<size_t>(args_left_, 1024));
        state_ = State::bulk_length;
        scan_from_ = position_ + 1;
        break;
      }
      case State::bulk_length: {
        if (position_ >= data.size()) return {};
        if (data[position_] != '$') return fail(ParseError::expected_dollar, data[position_]);
        size_t line_end = 0;
        LineEnd end = find_line_end(data, scan_from_, line_end);
        if (end == LineEnd::need_more) {
          if (scan_from_ - position_ - 1 > limits_.max_inline_length) return fail(ParseError::too_big_bulk_count);
          return {};
        }
        if (line_end - position_ - 1 > limits_.max_inline_length) return fail(ParseError::too_big_bulk_count);
        if (end == LineEnd::bad_crlf) return fail(ParseError::missing_crlf);
        int64_t length = 0;
        if (!parse_integer(data.substr(position_ + 1, line_end - position_ - 1), length) || length < 0 ||
            uint64_t(length) > limits_.max_bulk_length) {
          return fail(ParseError::invalid_bulk_length);
        }
        bulk_length_ = size_t(length);
        position_ = line_end + 2;
        state_ = State::bulk_data;
        break;
      }
      case State::bulk_data: {
        if (data.size() - position_ < bulk_length_ + 2) return {};
        size_t data_end = position_ + bulk_length_;
        if (data[data_end] != '\r' || data[data_end + 1] != '\n') return fail(ParseError::missing_crlf);
        arguments_.push_back({position_, bulk_length_});
        position_ = data_end + 2;
        if (--args_left_ == 0) return finish(FrameKind::command, position_, data);
        state_ = State::bulk_length;
        scan_from_ = position_ + 1;
        break;
      }
      case State::frame_start:
      case State::inline_line: return {};  // not reached: parse() dispatches these
    }
  }
}

}  // namespace sy::resp
