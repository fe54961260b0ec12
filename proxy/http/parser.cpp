// llhttp driven one event at a time; see parser.hpp. llhttp pushes
// callbacks; pausing it at the head, at each chunk and at the message end
// turns that into the pull interface the sessions want, with the position of
// each pause telling how much input the event used.
#include "proxy/http/parser.hpp"

#include <algorithm>
#include <cassert>

namespace sy::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// RFC 3986 reg-name / IP-literal characters plus ":port": what a Host header may hold.
bool is_host_value(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~!$&'()*+,;=:[]%").find(c) != std::string_view::npos;
  });
}

// RFC 9110 5.6.2: what a method (a token) is made of.
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The methods llhttp's generated state machine matches; it refuses every
// other token (there is no lenient flag for methods in llhttp 8).
bool llhttp_knows(std::string_view method) {
  static constexpr std::string_view known[] = {
#define SY_METHOD_NAME(number, name, text) #text,
      HTTP_ALL_METHOD_MAP(SY_METHOD_NAME)
#undef SY_METHOD_NAME
  };
  return std::find(std::begin(known), std::end(known), method) != std::end(known);
}

constexpr size_t kMaxMethodBytes = 64;

}  // namespace

Parser::Parser(Kind kind, ParserLimits limits) : kind_(kind), limits_(limits) {
  static const llhttp_settings_t callbacks = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &Parser::on_message_begin;
    s.on_url = &Parser::on_url;
    s.on_status = &Parser::on_status;
    s.on_header_field = &Parser::on_header_field;
    s.on_header_value = &Parser::on_header_value;
    s.on_header_value_complete = &Parser::on_header_value_complete;
    s.on_headers_complete = &Parser::on_headers_complete;
    s.on_body = &Parser::on_body;
    s.on_chunk_complete = &Parser::on_chunk_complete;
    s.on_message_complete = &Parser::on_message_complete;
    return s;
  }();
  llhttp_init(&llhttp_, kind == Kind::request ? HTTP_REQUEST : HTTP_RESPONSE, &callbacks);
  llhttp_.data = this;
}

void Parser::reset() {
  const auto* callbacks = static_cast<const llhttp_settings_t*>(llhttp_.settings);
  llhttp_init(&llhttp_, kind_ == Kind::request ? HTTP_REQUEST : HTTP_RESPONSE, callbacks);
  llhttp_.data = this;
  head_.clear();
  in_message_ = in_head_ = head_pending_end_ = false;
  span_ = Span::none;
  head_bytes_ = 0;
  body_bytes_ = 0;
  error_status_ = 0;
  error_reason_ = "";
  method_prefix_.clear();
  extension_method_.clear();
}

// Methods are any token (RFC 9110 9.1) and a proxy forwards those it does
// not know. llhttp only matches its fixed list, so a request whose method
// is another token is given to llhttp as GET (whose framing, by
// Content-Length or Transfer-Encoding, is that of every method but HEAD
// and CONNECT) and its head reports the method as the client wrote it.
Parser::Result Parser::parse(std::string_view input) {
  size_t method_bytes = 0;
  if (kind_ == Kind::request && !in_message_ && !error_status_ && !head_pending_end_) {
    switch (take_method(input, method_bytes)) {
      case MethodStep::error:
        return {Event::error, method_bytes, {}};
      case MethodStep::need_more:
        return {Event::need_more, method_bytes, {}};
      case MethodStep::go_on:
        break;
    }
  }
  Result result = parse_with_llhttp(input.substr(method_bytes));
  result.consumed += method_bytes;
  return result;
}

// `consumed`: the bytes of `input` taken here (kept, or stood in for by GET).
Parser::MethodStep Parser::take_method(std::string_view input, size_t& consumed) {
  consumed = 0;
  // Empty lines before a request line are skipped (RFC 9112 2.2), by llhttp too.
  size_t start = 0;
  if (method_prefix_.empty())
    while (start < input.size() && (input[start] == '\r' || input[start] == '\n')) ++start;
  if (method_prefix_.empty() && (start == input.size() || !is_tchar(input[start]))) return MethodStep::go_on;
  size_t end = start;
  while (end < input.size() && is_tchar(input[end])) ++end;
  if (method_prefix_.size() + (end - start) > kMaxMethodBytes) {
    // A well-formed token, only one this proxy will not pass on: 501, as
    // nginx and HAProxy answer a method they do not implement (RFC 9110 15.6.2).
    error_status_ = 501;
    error_reason_ = "request method longer than 64 bytes";
    return MethodStep::error;
  }
  if (end == input.size()) {  // the method goes on in the next input
    if (!feed_aside(input.substr(0, start))) return MethodStep::error;
    method_prefix_.append(input.substr(start));
    consumed = end;
    return MethodStep::need_more;
  }
  std::string prefix = std::move(method_prefix_);
  method_prefix_.clear();
  std::string method = prefix + std::string(input.substr(start, end - start));
  extension_method_.clear();
  // The head's size counts the method as the client wrote it, wherever its
  // bytes were cut: feeding the bytes kept back (or GET) begins the message,
  // which zeroes the count, so they are counted here, after that.
  if (input[end] != ' ' || llhttp_knows(method)) {
    // llhttp reads it (and refuses what is no method); the bytes kept back go first.
    if (!feed_aside(prefix)) return MethodStep::error;
    head_bytes_ += prefix.size();
    return MethodStep::go_on;
  }
  extension_method_ = std::move(method);
  consumed = end;
  if (!feed_aside(input.substr(0, start)) || !feed_aside("GET")) return MethodStep::error;
  head_bytes_ += extension_method_.size();
  return MethodStep::go_on;
}

// Bytes that are not in the caller's input: an error among them is the
// request's (llhttp's reason), with no position in the input to report.
bool Parser::feed_aside(std::string_view bytes) {
  if (bytes.empty() || llhttp_execute(&llhttp_, bytes.data(), bytes.size()) == HPE_OK) return true;
  error_status_ = 400;
  error_reason_ = llhttp_get_error_reason(&llhttp_);
  if (!error_reason_ || !*error_reason_) error_reason_ = llhttp_errno_name(llhttp_get_errno(&llhttp_));
  return false;
}

Parser::Result Parser::parse_with_llhttp(std::string_view input) {
  if (error_status_) return {Event::error, 0, {}};
  if (head_pending_end_) {
    head_pending_end_ = false;
    return {Event::message_end, 0, {}};
  }
  input_ = input;
  body_ = {};
  head_done_ = message_done_ = false;
  const bool counting_head = in_head_ || !in_message_;
  // Empty lines before a message are skipped (by llhttp too) and are no part
  // of its head: whether they come in the same input as the head or in an
  // earlier one must not change the head's size.
  size_t before_message = 0;
  if (!in_message_)
    while (before_message < input.size() && (input[before_message] == '\r' || input[before_message] == '\n'))
      ++before_message;

  llhttp_errno_t rc = llhttp_execute(&llhttp_, input.data(), input.size());
  size_t consumed = input.size();
  if (rc == HPE_PAUSED) {
    consumed = static_cast<size_t>(llhttp_get_error_pos(&llhttp_) - input.data());
    llhttp_resume(&llhttp_);
  } else if (rc != HPE_OK) {
    const char* position = llhttp_get_error_pos(&llhttp_);
    Result error = failed(position ? static_cast<size_t>(position - input.data()) : 0);
    // Body bytes before the fault are still the peer's body: they go out
    // first and the error comes with the next call, however the input was cut.
    if (!body_.empty()) return {Event::body, error.consumed, body_};
    return error;
  }

  if (counting_head && (in_head_ || head_done_)) {
    head_bytes_ += consumed - std::min(consumed, before_message);
    if (head_bytes_ > limits_.max_head_bytes) {
      error_status_ = kind_ == Kind::request ? 431 : 502;
      error_reason_ = "message head larger than max_header_size";
      return {Event::error, consumed, {}};
    }
    if (has_folded_line(input.substr(0, consumed))) {
      error_status_ = kind_ == Kind::request ? 400 : 502;
      error_reason_ = "obsolete line folding (obs-fold) in a header";
      return {Event::error, consumed, {}};
    }
  }
  if (head_done_) {
    if (message_done_) head_pending_end_ = true;
    return {Event::head, consumed, {}};
  }
  if (message_done_) return {Event::message_end, consumed, body_};
  if (!body_.empty()) return {Event::body, consumed, body_};
  return {Event::need_more, consumed, {}};
}

// A head line that starts with a space or tab continues the previous one
// (obs-fold, RFC 9112 5.2). llhttp accepts it and joins the lines; a proxy
// must not, since servers disagree on what such a header means. The bytes
// are scanned as they pass, the last one carried over between calls.
bool Parser::has_folded_line(std::string_view head_bytes) {
  bool folded = false;
  for (size_t i = 0; i < head_bytes.size(); ++i) {
    char previous = i == 0 ? last_head_byte_ : head_bytes[i - 1];
    if (previous == '\n' && is_space(head_bytes[i])) folded = true;
  }
  if (!head_bytes.empty()) last_head_byte_ = head_bytes.back();
  return folded;
}

Parser::Result Parser::finish() {
  if (error_status_) return {Event::error, 0, {}};
  message_done_ = false;
  llhttp_errno_t rc = llhttp_finish(&llhttp_);
  if (message_done_) {
    llhttp_resume(&llhttp_);
    return {Event::message_end, 0, {}};
  }
  // A method cut by the close (kept in method_prefix_) is a request begun
  // too, whether or not llhttp has seen it (found by fuzzing).
  if (rc != HPE_OK || in_message_ || !method_prefix_.empty()) {
    error_status_ = kind_ == Kind::request ? 400 : 502;
    error_reason_ = kind_ == Kind::request ? "client closed in the middle of a request" : "server closed in the middle of a response";
    return {Event::error, 0, {}};
  }
  return {Event::need_more, 0, {}};
}

Parser::Result Parser::failed(size_t consumed) {
  if (!error_status_) {
    error_status_ = kind_ == Kind::request ? 400 : 502;
    error_reason_ = llhttp_get_error_reason(&llhttp_);
    if (!error_reason_ || !*error_reason_) error_reason_ = llhttp_errno_name(llhttp_get_errno(&llhttp_));
  }
  return {Event::error, consumed, {}};
}

int Parser::fail(int status, const char* reason) {
  error_status_ = kind_ == Kind::response ? 502 : status;
  error_reason_ = reason;
  llhttp_set_error_reason(&llhttp_, reason);
  return HPE_USER;
}

int Parser::append(const char* at, size_t length) {
  // Trailers may use as much room again as the head did. The reason is the
  // one parse_with_llhttp gives for the raw head bytes (also in responses).
  size_t limit = in_head_ ? limits_.max_head_bytes : 2 * limits_.max_head_bytes;
  if (head_.storage_.size() + length > limit)
    return fail(431, in_head_ ? "message head larger than max_header_size" : "trailers larger than max_header_size");
  head_.storage_.append(at, length);
  return 0;
}

int Parser::on_message_begin(llhttp_t* parser) {
  Parser& p = self(parser);
  p.head_.clear();
  p.in_message_ = true;
  p.in_head_ = true;
  p.span_ = Span::none;
  p.head_bytes_ = 0;
  p.body_bytes_ = 0;
  p.last_head_byte_ = 0;
  return 0;
}

int Parser::on_url(llhttp_t* parser, const char* at, size_t length) {
  Parser& p = self(parser);
  if (p.head_.target_.length + length > p.limits_.max_head_bytes) {
    p.fail(414, "request target longer than max_header_size");
    return HPE_USER;
  }
  // A line end right after the target is an HTTP/0.9 request line (no
  // version). llhttp would wait for headers that never come, leaving the
  // client unanswered until the header timeout: refused at once instead.
  // The byte is seen here because llhttp ends the span on it (a target cut
  // at the end of the input is ended by an empty call on the next one).
  const char* after = at + length;
  if (after < p.input_.data() + p.input_.size() && (*after == '\r' || *after == '\n')) {
    p.fail(400, "HTTP/0.9 request line (no HTTP version)");
    return HPE_USER;
  }
  if (int rc = p.append(at, length)) return rc;
  p.head_.target_.length += static_cast<uint32_t>(length);
  return 0;
}

int Parser::on_status(llhttp_t* parser, const char* at, size_t length) {
  Parser& p = self(parser);
  if (int rc = p.append(at, length)) return rc;
  p.head_.target_.length += static_cast<uint32_t>(length);
  return 0;
}

int Parser::on_header_field(llhttp_t* parser, const char* at, size_t length) {
  Parser& p = self(parser);
  auto& fields = p.in_head_ ? p.head_.headers_ : p.head_.trailers_;
  if (p.span_ != Span::field) {
    if (fields.size() >= p.limits_.max_headers)
      return p.fail(431, p.in_head_ ? "more headers than max_headers" : "more trailers than max_headers");
    fields.push_back({{static_cast<uint32_t>(p.head_.storage_.size()), 0}, {}});
    p.span_ = Span::field;
  }
  if (int rc = p.append(at, length)) return rc;
  fields.back().name.length += static_cast<uint32_t>(length);
  return 0;
}

int Parser::on_header_value(llhttp_t* parser, const char* at, size_t length) {
  Parser& p = self(parser);
  auto& fields = p.in_head_ ? p.head_.headers_ : p.head_.trailers_;
  if (p.span_ == Span::none || fields.back().name.length == 0) return p.fail(400, "header with an empty name");
  if (p.span_ == Span::value) {
    // llhttp reports a value in one piece per call, so a second piece is
    // either the same value carried over from the previous input (starting
    // where this input starts) or a folded line (obs-fold), which a proxy
    // must not pass on: servers disagree on what it means.
    bool carried_over = at == p.input_.data() && p.value_reached_input_end_;
    if (!carried_over) return p.fail(400, "obsolete line folding (obs-fold) in a header");
  } else {
    // llhttp skips the spaces before a value; a leading one comes from a fold.
    if (length > 0 && is_space(at[0])) return p.fail(400, "obsolete line folding (obs-fold) in a header");
    fields.back().value.offset = static_cast<uint32_t>(p.head_.storage_.size());
    p.span_ = Span::value;
  }
  p.value_reached_input_end_ = at + length == p.input_.data() + p.input_.size();
  if (int rc = p.append(at, length)) return rc;
  fields.back().value.length += static_cast<uint32_t>(length);
  return 0;
}

int Parser::on_header_value_complete(llhttp_t* parser) {
  Parser& p = self(parser);
  auto& fields = p.in_head_ ? p.head_.headers_ : p.head_.trailers_;
  if (p.span_ == Span::none || fields.back().name.length == 0) return p.fail(400, "header with an empty name");
  if (p.span_ == Span::field) {  // an empty value: no span was reported
    fields.back().value.offset = static_cast<uint32_t>(p.head_.storage_.size());
  }
  auto& value = fields.back().value;
  while (value.length > 0 && is_space(p.head_.storage_[value.offset + value.length - 1])) --value.length;
  p.span_ = Span::none;
  return 0;
}

void Parser::fill_head() {
  MessageHead& h = head_;
  h.version_major = llhttp_.http_major;
  h.version_minor = llhttp_.http_minor;
  const uint16_t flags = llhttp_.flags;
  h.chunked = flags & F_CHUNKED;
  if (flags & F_CONTENT_LENGTH) h.content_length = llhttp_.content_length;
  h.upgrade = llhttp_.upgrade;
  bool http11 = h.version_major > 1 || (h.version_major == 1 && h.version_minor >= 1);
  bool close = http11 ? (flags & F_CONNECTION_CLOSE) != 0 : (flags & F_CONNECTION_KEEP_ALIVE) == 0;
  bool needs_eof = false;
  if (kind_ == Kind::request) {
    h.method = extension_method_.empty() ? llhttp_method_name(static_cast<llhttp_method_t>(llhttp_.method))
                                         : std::string_view(extension_method_);
  } else {
    h.status = llhttp_.status_code;
    bool bodyless = h.status / 100 == 1 || h.status == 204 || h.status == 304 || head_request_;
    needs_eof = !bodyless && (((flags & F_TRANSFER_ENCODING) && !h.chunked) || !(flags & (F_CHUNKED | F_CONTENT_LENGTH)));
  }
  h.keep_alive = !close && !needs_eof;
}

// The framing rules a request must meet before any byte of it is forwarded
// (RFC 9112 and the usual request smuggling vectors). llhttp in strict mode
// already refuses Content-Length with Transfer-Encoding, duplicate
// Content-Length, a Transfer-Encoding whose last coding is not chunked,
// invalid header names and values and bare LF line ends; the parser itself
// refuses obs-fold (on_header_value).
int Parser::check_request_head() {
  const MessageHead& h = head_;
  size_t hosts = h.count("host");
  if (hosts > 1) return fail(400, "more than one Host header");
  if (hosts == 0 && !h.is_http10()) return fail(400, "HTTP/1.1 request without a Host header");
  if (hosts == 1 && !is_host_value(*h.find("host"))) return fail(400, "invalid Host header");
  if (h.is_http10() && h.count("transfer-encoding") > 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  // llhttp finds this only after the head is complete: too late for a proxy.
  if ((llhttp_.flags & F_TRANSFER_ENCODING) && !h.chunked)
    return fail(400, "Transfer-Encoding whose last coding is not chunked");
  if (h.version_major != 1) return fail(400, "only HTTP/1.0 and HTTP/1.1 are spoken here");
  return 0;
}

int Parser::on_headers_complete(llhttp_t* parser) {
  Parser& p = self(parser);
  p.in_head_ = false;
  p.head_done_ = true;
  p.span_ = Span::none;
  p.fill_head();
  if (p.kind_ == Kind::request) {
    if (int rc = p.check_request_head()) return rc;
    if (p.limits_.max_body_bytes && p.head_.content_length && *p.head_.content_length > p.limits_.max_body_bytes)
      return p.fail(413, "request body larger than max_body_size");
  }
  // A response to HEAD, an interim (1xx), 204 or 304 response has no body
  // whatever its headers say: tell llhttp (which cannot pause then; parse()
  // delivers the end on the next call).
  if (p.kind_ == Kind::response) {
    int status = p.head_.status;
    if (p.head_request_ || status / 100 == 1 || status == 204 || status == 304) return 1;
  }
  return HPE_PAUSED;
}

int Parser::on_body(llhttp_t* parser, const char* at, size_t length) {
  Parser& p = self(parser);
  assert(p.body_.empty() || p.body_.data() + p.body_.size() == at);
  // Up to the limit the bytes are body like any other; the excess is not.
  bool over = p.limits_.max_body_bytes && p.body_bytes_ + length > p.limits_.max_body_bytes;
  if (over) length = p.limits_.max_body_bytes - p.body_bytes_;
  p.body_ = std::string_view(p.body_.empty() ? at : p.body_.data(), p.body_.size() + length);
  p.body_bytes_ += length;
  if (over) return p.fail(413, "request body larger than max_body_size");
  return 0;
}

int Parser::on_chunk_complete(llhttp_t* parser) {
  // One chunk's data per event, so the caller can pass it on at once.
  return self(parser).body_.empty() ? 0 : HPE_PAUSED;
}

int Parser::on_message_complete(llhttp_t* parser) {
  Parser& p = self(parser);
  p.message_done_ = true;
  p.in_message_ = false;
  p.span_ = Span::none;
  return HPE_PAUSED;
}

}  // namespace sy::http
