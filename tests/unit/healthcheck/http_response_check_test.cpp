// HTTP check verdicts from response bytes: statuses in and out of range,
// the expected body text (also across chunk boundaries and split at every
// offset), bodies framed by Content-Length, chunks or the end of the
// connection, the 64 KiB bound, HEAD, interim 1xx answers and garbage.
#include <doctest/doctest.h>

#include <string>

#include "healthcheck/http_response_check.hpp"

using namespace sy::health;
using Verdict = HttpResponseCheck::Verdict;

namespace {

HttpExpectation expect(std::string body = "", std::vector<sy::conf::StatusRange> statuses = {{200, 399}}) {
  HttpExpectation expectation;
  expectation.statuses = std::move(statuses);
  expectation.body_contains = std::move(body);
  return expectation;
}

// The verdict once all of `response` arrived in one read and the server closed.
std::pair<Verdict, std::string> judge(const HttpExpectation& expectation, std::string_view response) {
  HttpResponseCheck check(expectation);
  check.feed(response);
  check.finish();
  return {check.verdict(), check.reason()};
}

// The same response split in two at every offset gives the same verdict.
void check_every_split(const HttpExpectation& expectation, std::string_view response, Verdict verdict,
                       const std::string& reason) {
  for (size_t cut = 0; cut <= response.size(); ++cut) {
    CAPTURE(cut);
    HttpResponseCheck check(expectation);
    check.feed(response.substr(0, cut));
    check.feed(response.substr(cut));
    check.finish();
    CHECK(check.verdict() == verdict);
    CHECK(check.reason() == reason);
  }
}

constexpr std::string_view ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nstatus: ok\n";

}  // namespace

TEST_CASE("http check: the request names method, target and host, and asks to close") {
  CHECK(build_check_request("GET", "/healthz?x=1", "app.internal") ==
        "GET /healthz?x=1 HTTP/1.1\r\nHost: app.internal\r\nUser-Agent: switchyard-health-check\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n");
}

TEST_CASE("http check: the default Host is the server's host and port, 80 left out") {
  CHECK(default_host_header("app1.internal", 8080) == "app1.internal:8080");
  CHECK(default_host_header("app1.internal", 80) == "app1.internal");
  CHECK(default_host_header("::1", 8080) == "[::1]:8080");
  CHECK(default_host_header("127.0.0.1", 80) == "127.0.0.1");
}

TEST_CASE("http check: a status in range passes on the headers alone") {
  HttpResponseCheck check(expect());
  CHECK(check.feed("HTTP/1.1 204 No Content\r\n\r\n") == Verdict::passed);
  CHECK(check.reason() == "HTTP 204");
  CHECK(check.status() == 204);
  // Decided before the body arrives: a huge or endless body is never read.
  HttpResponseCheck streaming(expect());
  CHECK(streaming.feed("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\nxxxx") == Verdict::passed);
}

TEST_CASE("http check: a status out of range fails with the status as the reason") {
  CHECK(judge(expect(), "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n") ==
        std::pair{Verdict::failed, std::string("HTTP 503")});
  CHECK(judge(expect("", {{200, 200}}), "HTTP/1.1 301 Moved\r\nLocation: /\r\nContent-Length: 0\r\n\r\n").second ==
        "HTTP 301");
  CHECK(judge(expect("", {{200, 299}, {404, 404}}), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").first ==
        Verdict::passed);
  // The status decides even when the expected text would be in the body.
  CHECK(judge(expect("ok"), "HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nok").second == "HTTP 500");
}

TEST_CASE("http check: the expected text in the body, split at every offset") {
  check_every_split(expect("ok"), ok_response, Verdict::passed, "HTTP 200");
  check_every_split(expect("status: ok"), ok_response, Verdict::passed, "HTTP 200");
  check_every_split(expect("ready"), ok_response, Verdict::failed, "body does not contain \"ready\"");
  check_every_split(expect(), "HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad", Verdict::failed, "HTTP 500");
}

TEST_CASE("http check: the expected text across chunks, one byte at a time") {
  std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsta\r\n5\r\ntus: \r\n2\r\nok\r\n0\r\n\r\n";
  for (const char* needle : {"status: ok", "us: o", "ok"}) {
    CAPTURE(needle);
    HttpResponseCheck check(expect(needle));
    for (char byte : chunked) check.feed(std::string_view(&byte, 1));
    check.finish();
    CHECK(check.verdict() == Verdict::passed);
  }
  check_every_split(expect("status: ok"), chunked, Verdict::passed, "HTTP 200");
  check_every_split(expect("statusok"), chunked, Verdict::failed, "body does not contain \"statusok\"");
}

TEST_CASE("http check: a body that ends with the connection") {
  std::string response = "HTTP/1.0 200 OK\r\n\r\nall is ok";
  HttpResponseCheck check(expect("ok"));
  CHECK(check.feed(response) == Verdict::passed);  // found before the end
  HttpResponseCheck missing(expect("fine"));
  CHECK(missing.feed(response) == Verdict::need_more);
  CHECK(missing.finish() == Verdict::failed);
  CHECK(missing.reason() == "body does not contain \"fine\"");
}

TEST_CASE("http check: only the first 64 KiB of the body are searched") {
  std::string padding(64 * 1024 - 1, 'x');
  std::string late = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(padding.size() + 2) + "\r\n\r\n" +
                     padding + "ok";
  CHECK(judge(expect("ok"), late) ==
        std::pair{Verdict::failed, std::string("body does not contain \"ok\" in its first 64 KiB")});
  std::string in_time = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(padding.size() + 1) + "\r\n\r\n" +
                        padding.substr(1) + "ok";
  CHECK(judge(expect("ok"), in_time).first == Verdict::passed);
}

TEST_CASE("http check: a kept body is whole, and bounded") {
  HttpExpectation keep;
  keep.keep_body = true;
  HttpResponseCheck check(keep);
  CHECK(check.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n") == Verdict::passed);
  CHECK(check.body() == "{}");

  keep.body_limit = 4;
  CHECK(judge(keep, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345") ==
        std::pair{Verdict::failed, std::string("response body larger than 0 KiB")});
  CHECK(judge(keep, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12").second ==
        "connection closed in the middle of the response");
}

TEST_CASE("http check: a HEAD answer has no body, whatever Content-Length says") {
  HttpExpectation head = expect();
  head.head_request = true;
  HttpResponseCheck check(head);
  CHECK(check.feed("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n") == Verdict::passed);
  head.body_contains = "ok";
  CHECK(judge(head, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n").second ==
        "body does not contain \"ok\" (a HEAD response has no body)");
}

TEST_CASE("http check: an interim 100 Continue is followed by the real answer") {
  check_every_split(expect("ok"), "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                    Verdict::passed, "HTTP 200");
  CHECK(judge(expect(), "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").second ==
        "HTTP 502");
}

TEST_CASE("http check: no answer, a cut answer and garbage fail with a reason") {
  CHECK(judge(expect(), "") == std::pair{Verdict::failed, std::string("connection closed before a response")});
  CHECK(judge(expect(), "HTTP/1.1 200 O").second == "connection closed in the middle of the response");
  auto [verdict, reason] = judge(expect(), "SSH-2.0-OpenSSH_9.2\r\n");
  CHECK(verdict == Verdict::failed);
  CHECK(reason.starts_with("invalid HTTP response: "));
  // Bytes after a verdict change nothing.
  HttpResponseCheck check(expect());
  check.feed("HTTP/1.1 200 OK\r\n\r\n");
  CHECK(check.feed("garbage") == Verdict::passed);
  CHECK(check.finish() == Verdict::passed);
}
