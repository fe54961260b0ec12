// HTTP response verdicts on llhttp; see http_response_check.hpp.
#include "healthcheck/http_response_check.hpp"

#include <algorithm>

namespace sy::health {

std::string default_host_header(std::string_view host, uint16_t port) {
  std::string header = host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  if (port != 80) header += ":" + std::to_string(port);
  return header;
}

std::string build_check_request(std::string_view method, std::string_view path, std::string_view host) {
  std::string request;
  request.reserve(128 + path.size() + host.size());
  request.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  // Identity encoding only: the body is matched as sent.
  request.append("\r\nUser-Agent: switchyard-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  return request;
}

HttpResponseCheck::HttpResponseCheck(HttpExpectation expectation) : expectation_(std::move(expectation)) {
  llhttp_settings_init(&settings_);
  settings_.on_headers_complete = &HttpResponseCheck::on_headers_complete;
  settings_.on_body = &HttpResponseCheck::on_body;
  settings_.on_message_complete = &HttpResponseCheck::on_message_complete;
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
}

int HttpResponseCheck::decide(Verdict verdict, std::string reason) {
  verdict_ = verdict;
  reason_ = std::move(reason);
  // Stops llhttp at once: nothing after a verdict matters.
  return HPE_PAUSED;
}

std::string HttpResponseCheck::missing_body_reason() const {
  if (expectation_.body_contains.empty()) return "HTTP " + std::to_string(status_) + " with an incomplete body";
  return "body does not contain \"" + expectation_.body_contains + "\"";
}

int HttpResponseCheck::on_headers_complete(llhttp_t* parser) {
  auto* self = static_cast<HttpResponseCheck*>(parser->data);
  self->status_ = parser->status_code;
  // An interim 1xx answer (100 Continue, 103 Early Hints) is followed by the
  // real one: judge that.
  if (self->status_ >= 100 && self->status_ < 200 && self->status_ != 101) return 0;
  if (!conf::status_matches(self->expectation_.statuses, self->status_))
    return self->decide(Verdict::failed, "HTTP " + std::to_string(self->status_));
  if (!self->expects_body()) return self->decide(Verdict::passed, "HTTP " + std::to_string(self->status_));
  if (self->expectation_.head_request) {
    if (!self->expectation_.body_contains.empty())
      return self->decide(Verdict::failed, self->missing_body_reason() + " (a HEAD response has no body)");
    return 1;  // no body follows, whatever Content-Length says
  }
  return 0;
}

int HttpResponseCheck::on_body(llhttp_t* parser, const char* at, size_t length) {
  auto* self = static_cast<HttpResponseCheck*>(parser->data);
  const HttpExpectation& expect = self->expectation_;
  size_t taken = std::min(expect.body_limit - self->body_seen_, length);
  self->body_seen_ += taken;
  self->body_.append(at, taken);
  if (!expect.body_contains.empty() && !expect.keep_body) {
    if (self->body_.find(expect.body_contains) != std::string::npos)
      return self->decide(Verdict::passed, "HTTP " + std::to_string(self->status_));
    // The expected text may straddle two reads: keep only the tail that
    // could begin a match.
    size_t tail = expect.body_contains.size() - 1;
    if (self->body_.size() > tail) self->body_.erase(0, self->body_.size() - tail);
  }
  if (taken < length) {
    std::string limit = std::to_string(expect.body_limit / 1024) + " KiB";
    if (expect.keep_body) return self->decide(Verdict::failed, "response body larger than " + limit);
    return self->decide(Verdict::failed, self->missing_body_reason() + " in its first " + limit);
  }
  return 0;
}

int HttpResponseCheck::on_message_complete(llhttp_t* parser) {
  auto* self = static_cast<HttpResponseCheck*>(parser->data);
  if (self->status_ >= 100 && self->status_ < 200 && self->status_ != 101) return 0;  // the real answer follows
  const HttpExpectation& expect = self->expectation_;
  // Without keep_body a match would have passed in on_body already.
  if (!expect.body_contains.empty() && self->body_.find(expect.body_contains) == std::string::npos)
    return self->decide(Verdict::failed, self->missing_body_reason());
  return self->decide(Verdict::passed, "HTTP " + std::to_string(self->status_));
}

HttpResponseCheck::Verdict HttpResponseCheck::feed(std::string_view bytes) {
  if (verdict_ != Verdict::need_more || bytes.empty()) return verdict_;
  received_any_ = true;
  llhttp_errno_t error = llhttp_execute(&parser_, bytes.data(), bytes.size());
  if (verdict_ == Verdict::need_more && error != HPE_OK) {
    verdict_ = Verdict::failed;
    reason_ = std::string("invalid HTTP response: ") + llhttp_get_error_reason(&parser_);
  }
  return verdict_;
}

HttpResponseCheck::Verdict HttpResponseCheck::finish() {
  if (verdict_ != Verdict::need_more) return verdict_;
  // A body delimited by the end of the connection completes here.
  llhttp_errno_t error = llhttp_finish(&parser_);
  if (verdict_ != Verdict::need_more) return verdict_;
  verdict_ = Verdict::failed;
  if (!received_any_) reason_ = "connection closed before a response";
  else if (error != HPE_OK) reason_ = "connection closed in the middle of the response";
  else reason_ = missing_body_reason();
  return verdict_;
}

}  // namespace sy::health
