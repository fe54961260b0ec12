// RESP framing, sans I/O: finds where one request (from a client) or one reply
// (from a server) ends in a connection's read buffer, without copying. The
// Redis front feeds it the bytes it has; it answers "need more", an error with
// the text Redis itself would send, or one frame and its length.
//
// Both parsers are resumable: each call passes the buffer from the start of the
// current frame (the same bytes as before plus any new ones), and the parser
// goes on where it stopped, so a frame that arrives byte by byte costs linear
// time. After a frame or an error the parser is ready for the next frame, whose
// bytes start right after the frame's `length`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sy::resp {

struct Limits {
  size_t max_args = 1024 * 1024;                // arguments in one multibulk command
  size_t max_bulk_length = 512 * 1024 * 1024;   // proto-max-bulk-len; also bounds a simple reply line
  size_t max_inline_length = 64 * 1024;         // PROTO_INLINE_MAX_SIZE: an inline command or a length line
  size_t max_depth = 32;                        // nesting of aggregate replies (arrays in arrays...)
  uint64_t max_aggregate_length = 1ull << 32;   // elements announced by one aggregate reply
};

enum class ParseStatus : uint8_t { need_more, frame, error };

// Every way a frame can be rejected. The request errors carry the exact text
// of Redis' networking.c (7.0): Redis sends them as "-ERR " + text, then
// closes, and so should the front.
// Unlike Redis, whose "too big" checks only run while a line is incomplete,
// the verdict never depends on how the bytes were chunked.
enum class ParseError : uint8_t {
  none,
  // requests
  too_big_inline_request,    // an inline command line longer than max_inline_length
  unbalanced_quotes,         // inline quoting that sdssplitargs rejects
  nul_in_inline_request,     // Redis never ends such a line (strchr stops at the NUL); we refuse it
  too_big_mbulk_count,       // a "*" count line longer than max_inline_length
  invalid_multibulk_length,  // "*x", above INT_MAX or above max_args
  too_big_bulk_count,        // a "$" length line longer than max_inline_length
  expected_dollar,           // an argument that does not start with '$'
  invalid_bulk_length,       // "$x", negative or above max_bulk_length
  missing_crlf,              // '\r' not followed by '\n', or bulk data not followed by CRLF
  // replies (from a server: the front logs and drops that server connection)
  invalid_reply_type,        // a type byte that RESP2/RESP3 does not define
  invalid_reply_length,      // a length or count that is not a number (RESP3 streamed "?" included: Redis
                             // never sends those), is negative or is above its limit
  invalid_reply_line,        // "_", "#" or ":" with content that does not fit the type
  too_big_reply_line,        // a simple line beyond max_bulk_length, a length line beyond max_inline_length
  reply_too_deep,            // nesting beyond max_depth
};

// The fixed text for an error (for expected_dollar without the byte; the
// parser's error_message() has the full text).
std::string_view error_text(ParseError error);

// RESP2 and RESP3 reply types, by their first byte.
enum class ReplyType : char {
  simple_string = '+',
  simple_error = '-',
  integer = ':',
  bulk_string = '$',
  array = '*',
  null = '_',
  double_value = ',',
  boolean = '#',
  blob_error = '!',
  verbatim_string = '=',
  big_number = '(',
  map = '%',
  set = '~',
  push = '>',
  attribute = '|',
};

enum class FrameKind : uint8_t { command, inline_command, reply };

// One argument of a command: offset and length into Frame::argument_bytes.
struct Argument {
  size_t offset = 0;
  size_t length = 0;
};

struct Frame {
  FrameKind kind = FrameKind::command;
  size_t length = 0;  // bytes of the whole frame, from the start of the span passed to parse()

  // Commands. Zero arguments is a frame too ("*0\r\n", "*-1\r\n" or an empty
  // inline line): Redis consumes those silently, and so should the front.
  // For a multibulk command the offsets index the frame's own bytes; for an
  // inline command they index the parser's copy of the unquoted arguments.
  // Both stay valid until the next parse() or reset().
  std::span<const Argument> arguments;
  std::string_view argument_bytes;

  // Replies: the type of the value (after an attribute, if one came first).
  ReplyType type = ReplyType::null;
  bool has_attribute = false;

  std::string_view argument(size_t index) const {
    return argument_bytes.substr(arguments[index].offset, arguments[index].length);
  }
  bool is_push() const { return kind == FrameKind::reply && type == ReplyType::push; }
  bool is_error() const {
    return kind == FrameKind::reply && (type == ReplyType::simple_error || type == ReplyType::blob_error);
  }
};

inline std::span<const uint8_t> as_byte_span(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

struct ParseResult {
  ParseStatus status = ParseStatus::need_more;
  ParseError error = ParseError::none;
  Frame frame;  // when status == frame
};

// Client -> proxy: multibulk commands ("*N\r\n$len\r\n...") and inline
// commands (a line of space-separated words, quoted like redis-cli does).
class RequestParser {
 public:
  explicit RequestParser(Limits limits = {}) : limits_(limits) {}

  [[nodiscard]] ParseResult parse(std::span<const uint8_t> bytes);
  [[nodiscard]] ParseResult parse(std::string_view bytes) { return parse(as_byte_span(bytes)); }

  // The full error text for the last error, e.g. "Protocol error: expected '$', got 'x'".
  std::string_view error_message() const { return {error_message_.data(), error_message_length_}; }
  void reset();

 private:
  enum class State : uint8_t { frame_start, inline_line, multibulk_count, bulk_length, bulk_data };

  ParseResult fail(ParseError error, char got = 0);
  ParseResult finish(FrameKind kind, size_t length, std::string_view argument_bytes);
  ParseResult parse_inline(std::string_view bytes);
  ParseResult parse_multibulk(std::string_view bytes);

  Limits limits_;
  State state_ = State::frame_start;
  size_t position_ = 0;       // next unparsed byte, from the frame start
  size_t scan_from_ = 0;      // where the search for the current line's end resumes
  size_t args_left_ = 0;      // multibulk arguments still to read
  size_t bulk_length_ = 0;    // of the argument being read
  std::vector<Argument> arguments_;
  std::string inline_arguments_;  // unquoted inline arguments, back to back
  std::array<char, 64> error_message_{};
  size_t error_message_length_ = 0;
};

// Server -> proxy: one RESP2 or RESP3 reply, nested aggregates included,
// framed with an explicit stack bounded by max_depth (no recursion).
class ReplyParser {
 public:
  explicit ReplyParser(Limits limits = {});

  [[nodiscard]] ParseResult parse(std::span<const uint8_t> bytes);
  [[nodiscard]] ParseResult parse(std::string_view bytes) { return parse(as_byte_span(bytes)); }

  std::string_view error_message() const { return error_text(last_error_); }
  void reset();

 private:
  // An aggregate being read: how many elements it still expects.
  struct Open {
    uint64_t elements_left;
    bool is_attribute;
  };
  enum class State : uint8_t { header, bulk_data };

  ParseResult fail(ParseError error);
  // A value ended at position_; returns true when that ends the whole reply.
  bool value_complete(bool was_attribute);

  Limits limits_;
  State state_ = State::header;
  size_t position_ = 0;
  size_t scan_from_ = 0;
  size_t bulk_end_ = 0;  // where the bulk data being read ends (before its CRLF)
  bool has_attribute_ = false;
  ReplyType type_ = ReplyType::null;
  std::vector<Open> open_;  // capacity max_depth, reserved at construction: no allocation while parsing
  ParseError last_error_ = ParseError::none;
};

}  // namespace sy::resp
