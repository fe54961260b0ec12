// The sans-I/O HTTP/1.1 message parser: llhttp (strict mode) underneath,
// bytes in, one event out per call. It never touches a socket: the client
// session feeds it request bytes, the server connection response bytes, and
// the unit tests feed it byte by byte.
//
// Each parse() call consumes some prefix of its input and reports what that
// prefix completed: the message head, a run of body bytes (a view into the
// input, so the caller can forward it without copying), or the message end.
// A chunked body comes out de-chunked; the trailers are in head() at the end.
// Requests are held to the framing rules that keep a proxy safe from request
// smuggling (see check_request_head in parser.cpp); a violation is an error
// with the status to answer.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/http/message_head.hpp"

namespace sy::http {

struct ParserLimits {
  size_t max_head_bytes = 32 * 1024;  // request or status line + headers (and, later, trailers)
  unsigned max_headers = 100;         // headers (and trailers, separately)
  uint64_t max_body_bytes = 0;        // 0: no limit
};

class Parser {
 public:
  enum class Kind { request, response };

  enum class Event {
    need_more,    // all input consumed; nothing completed
    head,         // head() holds a new message head
    body,         // `body` is a run of body bytes (de-chunked)
    message_end,  // the message is complete (`body` may carry its last bytes)
    error,        // error_status() / error_reason(); the parser stays failed
  };

  struct Result {
    Event event;
    size_t consumed;        // bytes of the input used; the rest belongs to what follows
    std::string_view body;  // inside the input
  };

  Parser(Kind kind, ParserLimits limits);
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Result parse(std::string_view input);
  // The peer closed its side: ends a message delimited by the close (a
  // response without length). message_end, error (truncated), or need_more
  // when no message was in progress.
  Result finish();
  // Responses: the request was a HEAD, so the next response has no body
  // whatever its headers say. Set before each response.
  void set_head_request(bool head) { head_request_ = head; }
  // Back to the start (for a new connection, or after a refused upgrade).
  void reset();
  void set_limits(ParserLimits limits) { limits_ = limits; }

  const MessageHead& head() const { return head_; }
  bool in_message() const { return in_message_; }
  // After an error: the HTTP status the peer should get (400, 413, 414,
  // 431, 501 for a method too long to pass on...) and why, for the log.
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class Span { none, target, field, value };

  static int on_message_begin(llhttp_t*);
  static int on_url(llhttp_t*, const char*, size_t);
  static int on_status(llhttp_t*, const char*, size_t);
  static int on_header_field(llhttp_t*, const char*, size_t);
  static int on_header_value(llhttp_t*, const char*, size_t);
  static int on_header_value_complete(llhttp_t*);
  static int on_headers_complete(llhttp_t*);
  static int on_body(llhttp_t*, const char*, size_t);
  static int on_chunk_complete(llhttp_t*);
  static int on_message_complete(llhttp_t*);
  static Parser& self(llhttp_t* parser) { return *static_cast<Parser*>(parser->data); }

  int fail(int status, const char* reason);  // from callbacks: records the error, stops llhttp
  int append(const char* at, size_t length);
  int check_request_head();
  void fill_head();
  Result failed(size_t consumed);
  Result parse_with_llhttp(std::string_view input);
  // The method of a request about to begin; see parser.cpp.
  enum class MethodStep { go_on, need_more, error };
  MethodStep take_method(std::string_view input, size_t& consumed);
  bool feed_aside(std::string_view bytes);
  bool has_folded_line(std::string_view head_bytes);

  llhttp_t llhttp_;
  Kind kind_;
  ParserLimits limits_;
  MessageHead head_;

  // Per parse() call: what the callbacks saw.
  std::string_view input_;
  std::string_view body_;
  bool head_done_ = false;
  bool message_done_ = false;
  // Across calls.
  bool in_message_ = false;
  bool in_head_ = false;        // between message begin and headers complete
  bool head_pending_end_ = false;  // head and end in one call (no body): end comes next call
  bool head_request_ = false;
  Span span_ = Span::none;
  bool value_reached_input_end_ = false;  // the last value span ended where its input ended
  size_t head_bytes_ = 0;
  char last_head_byte_ = 0;
  uint64_t body_bytes_ = 0;
  int error_status_ = 0;
  const char* error_reason_ = "";
  // A request's method token read before its end arrives (a method cut by
  // the input's end), and the method of this request when llhttp does not
  // know it (fed to llhttp as GET, reported as written).
  std::string method_prefix_;
  std::string extension_method_;
};

}  // namespace sy::http
