// Framing of server replies, RESP2 and RESP3; see frame_parser.hpp. Only the
// boundary and the top-level type are found: the proxy passes reply bytes on
// as they are. Aggregates are tracked on an explicit stack of element counts.
#include "resp/frame_parser.hpp"
#include "resp/line_scan.hpp"

namespace sy::resp {
namespace {

bool is_reply_type(char c) {
  switch (c) {
    case '+': case '-': case ':': case '$': case '*': case '_': case ',': case '#':
    case '!': case '=': case '(': case '%': case '~': case '>': case '|': return true;
    default: return false;
  }
}

// Types whose whole value is the rest of the header line.
bool is_line_type(char c) { return c == '+' || c == '-' || c == ':' || c == '_' || c == ',' || c == '#' || c == '('; }

bool is_bulk_type(char c) { return c == '$' || c == '!' || c == '='; }

}  // namespace

ReplyParser::ReplyParser(Limits limits) : limits_(limits) { open_.reserve(limits_.max_depth); }

void ReplyParser::reset() {
  state_ = State::header;
  position_ = 0;
  scan_from_ = 0;
  bulk_end_ = 0;
  has_attribute_ = false;
  type_ = ReplyType::null;
  open_.clear();
}

ParseResult ReplyParser::fail(ParseError error) {
  last_error_ = error;
  reset();
  return {ParseStatus::error, error, {}};
}

bool ReplyParser::value_complete(bool was_attribute) {
  while (true) {
    // An attribute annotates the value after it, which is still to come.
    if (was_attribute) return false;
    if (open_.empty()) return true;
    Open& innermost = open_.back();
    if (--innermost.elements_left > 0) return false;
    was_attribute = innermost.is_attribute;
    open_.pop_back();
  }
}

ParseResult ReplyParser::parse(std::span<const uint8_t> bytes) {
  std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (true) {
    bool was_attribute = false;
    if (state_ == State::bulk_data) {
      if (data.size() < bulk_end_ + 2) return {};
      if (data[bulk_end_] != '\r' || data[bulk_end_ + 1] != '\n') return fail(ParseError::missing_crlf);
      position_ = bulk_end_ + 2;
      state_ = State::header;
    } else {
      if (position_ >= data.size()) return {};
      char type = data[position_];
      if (!is_reply_type(type)) return fail(ParseError::invalid_reply_type);
      if (scan_from_ <= position_) scan_from_ = position_ + 1;
      size_t line_end = 0;
      LineEnd end = find_line_end(data, scan_from_, line_end);
      size_t line_limit = is_line_type(type) ? limits_.max_bulk_length : limits_.max_inline_length;
      if (end == LineEnd::need_more) {
        if (scan_from_ - position_ - 1 > line_limit) return fail(ParseError::too_big_reply_line);
        return {};
      }
      std::string_view content = data.substr(position_ + 1, line_end - position_ - 1);
      // The same verdict whether the long line came at once or in pieces.
      if (content.size() > line_limit) return fail(ParseError::too_big_reply_line);
      if (end == LineEnd::bad_crlf) return fail(ParseError::missing_crlf);
      size_t next = line_end + 2;
      if (open_.empty()) {
        if (type == '|') {
          has_attribute_ = true;
        } else {
          type_ = ReplyType(type);
        }
      }

      int64_t number = 0;
      if (is_line_type(type)) {
        bool fits = true;
        if (type == ':') fits = parse_integer(content, number);
        if (type == '_') fits = content.empty();
        if (type == '#') fits = content == "t" || content == "f";
        if (!fits) return fail(ParseError::invalid_reply_line);
        position_ = next;
      } else if (is_bulk_type(type)) {
        if (type == '$' && content == "-1") {  // RESP2 null bulk string
          position_ = next;
        } else {
          if (!parse_integer(content, number) || number < 0 || uint64_t(number) > limits_.max_bulk_length) {
            return fail(ParseError::invalid_reply_length);
          }
          position_ = next;
          bulk_end_ = next + size_t(number);
          state_ = State::bulk_data;
          continue;
        }
      } else {  // an aggregate: * % ~ > |
        if (type == '*' && content == "-1") {  // RESP2 null array
          position_ = next;
        } else {
          if (!parse_integer(content, number) || number < 0 || uint64_t(number) > limits_.max_aggregate_length) {
            return fail(ParseError::invalid_reply_length);
          }
          bool pairs = type == '%' || type == '|';
          uint64_t elements = uint64_t(number) * (pairs ? 2 : 1);
          position_ = next;
          was_attribute = type == '|';
          if (elements > 0) {
            if (open_.size() >= limits_.max_depth) return fail(ParseError::reply_too_deep);
            open_.push_back({elements, type == '|'});
            continue;
          }
        }
      }
    }
    // A whole value (or an empty aggregate) ends at position_.
    if (value_complete(was_attribute)) {
      ParseResult result;
      result.status = ParseStatus::frame;
      result.frame.kind = FrameKind::reply;
      result.frame.length = position_;
      result.frame.type = type_;
      result.frame.has_attribute = has_attribute_;
      reset();
      return result;
    }
  }
}

}  // namespace sy::resp
