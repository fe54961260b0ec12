// The verdict of an HTTP health check from the response bytes alone
// (sans-I/O: llhttp parses, nothing here touches a socket). Fed as the bytes
// arrive, it decides as early as it can: on the status line when the status
// fails or nothing else is to be checked, on the body once the expected text
// shows up. The body is kept only up to a bound.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status_ranges.hpp"

namespace sy::health {

// The Host header a check sends when none is configured: the server's
// host as written, with its port unless it is 80 (IPv6 in brackets).
std::string default_host_header(std::string_view host, uint16_t port);

// The request a check sends: HTTP/1.1, closed after the answer.
std::string build_check_request(std::string_view method, std::string_view path, std::string_view host);

struct HttpExpectation {
  std::vector<conf::StatusRange> statuses = {{200, 399}};
  std::string body_contains;   // empty: not checked
  bool keep_body = false;      // the caller reads the body (Patroni's JSON)
  bool head_request = false;   // a HEAD response has no body, whatever its headers say
  size_t body_limit = 64 * 1024;
};

class HttpResponseCheck {
 public:
  enum class Verdict { need_more, passed, failed };

  explicit HttpResponseCheck(HttpExpectation expectation);
  HttpResponseCheck(const HttpResponseCheck&) = delete;
  HttpResponseCheck& operator=(const HttpResponseCheck&) = delete;

  // More response bytes; once the verdict is no longer need_more, further
  // bytes are ignored.
  Verdict feed(std::string_view bytes);
  // The server closed the connection: decides whatever is still open.
  Verdict finish();

  Verdict verdict() const { return verdict_; }
  // Why it failed: "HTTP 503", "body does not contain \"ok\"",
  // "invalid HTTP response: ...". After a pass: "HTTP 200".
  const std::string& reason() const { return reason_; }
  unsigned status() const { return status_; }
  // keep_body: the body (de-chunked), complete when the verdict is passed.
  const std::string& body() const { return body_; }

 private:
  static int on_headers_complete(llhttp_t* parser);
  static int on_body(llhttp_t* parser, const char* at, size_t length);
  static int on_message_complete(llhttp_t* parser);
  int decide(Verdict verdict, std::string reason);
  bool expects_body() const { return !expectation_.body_contains.empty() || expectation_.keep_body; }
  std::string missing_body_reason() const;

  HttpExpectation expectation_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  Verdict verdict_ = Verdict::need_more;
  std::string reason_;
  unsigned status_ = 0;
  bool received_any_ = false;
  size_t body_seen_ = 0;  // body bytes taken so far, at most body_limit
  // keep_body: the body so far; otherwise just the tail that could begin a
  // match of body_contains.
  std::string body_;
};

}  // namespace sy::health
