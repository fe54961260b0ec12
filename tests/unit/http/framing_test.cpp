// Framing safety: each request smuggling vector and malformed head is an
// error with the status to answer, found before the head is handed out (so
// nothing of it can be forwarded), whichever way the bytes are cut.
#include <doctest/doctest.h>

#include "tests/unit/http/transcript.hpp"

using namespace sy::http;
using namespace sy::http::test;

namespace {

// The request must fail with `status` and no head may come out first, for
// every split point.
void check_rejected(const std::string& bytes, int status, std::string_view reason_part = {}) {
  CAPTURE(bytes);
  for (const auto& pieces : two_piece_splits(bytes)) {
    Parser parser(Parser::Kind::request, {});
    auto transcript = feed(parser, pieces);
    CAPTURE(pieces[0].size());
    CAPTURE(transcript.text());
    REQUIRE(transcript.lines.size() == 1);
    CHECK(transcript.lines[0].starts_with("error " + std::to_string(status)));
    if (!reason_part.empty()) CHECK(std::string(parser.error_reason()).find(reason_part) != std::string::npos);
  }
}

const std::string kHost = "Host: h\r\n";

}  // namespace

TEST_CASE("framing: Content-Length together with Transfer-Encoding") {
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400);
}

TEST_CASE("framing: duplicate Content-Length, differing or not") {
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 5, 6\r\n\r\n", 400);
}

TEST_CASE("framing: Transfer-Encoding whose last coding is not chunked") {
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: gzip\r\n\r\n", 400, "last coding");
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
                 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: xchunked\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
}

TEST_CASE("framing: obs-fold") {
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A: b\r\n c\r\n\r\n", 400, "obs-fold");
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A: b\r\n\tc\r\n\r\n", 400, "obs-fold");
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A:\r\n c\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\nTransfer-Encoding: x\r\n chunked\r\n" + kHost + "\r\n", 400);
}

TEST_CASE("framing: invalid header names and values") {
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X A: b\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A : b\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A: b\x01" "c\r\n\r\n", 400);
  check_rejected(std::string("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\0c\r\n\r\n", 38), 400);
  check_rejected("GET / HTTP/1.1\r\n" + kHost + "X-A: b\rc\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\r\n" + kHost + ": empty-name\r\n\r\n", 400);
  check_rejected("GET / HTTP/1.1\nHost: h\n\n", 400);
}

TEST_CASE("framing: Host missing, repeated or malformed") {
  check_rejected("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "Host");
  check_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
  check_rejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "Host");
  check_rejected("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "Host");
  // HTTP/1.0 may leave it out.
  CHECK(feed_whole(Parser::Kind::request, "GET / HTTP/1.0\r\n\r\n").lines.at(0).starts_with("head"));
}

TEST_CASE("framing: bad Content-Length values and chunk sizes") {
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: -1\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: +1\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 1x\r\n\r\n", 400);
  check_rejected("POST / HTTP/1.1\r\n" + kHost + "Content-Length: 99999999999999999999999\r\n\r\n", 400);
  auto text = feed_whole(Parser::Kind::request,
                         "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n")
                  .text();
  CHECK(text.ends_with("error 400 Chunk size overflow\n"));
  text = feed_whole(Parser::Kind::request, "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
             .text();
  CHECK(text.find("error 400") != std::string::npos);
}

TEST_CASE("framing: malformed request lines") {
  check_rejected("GET /\r\n\r\n", 400);
  check_rejected("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 400);
  check_rejected("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  check_rejected("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

TEST_CASE("limits: a head larger than max_head_bytes gets 431") {
  ParserLimits limits{.max_head_bytes = 1024, .max_headers = 100, .max_body_bytes = 0};
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(1100, 'a') + "\r\n\r\n";
  auto text = feed_whole(Parser::Kind::request, big, limits).text();
  CHECK(text.starts_with("error 431"));
  // Also when it arrives byte by byte (the parser never holds more than the limit).
  Parser parser(Parser::Kind::request, limits);
  std::vector<std::string> bytes;
  for (char c : big) bytes.emplace_back(1, c);
  CHECK(feed(parser, bytes).text().starts_with("error 431"));
  // Many small headers that add up.
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 90; ++i) many += "X-Header-" + std::to_string(i) + ": value\r\n";
  CHECK(feed_whole(Parser::Kind::request, many + "\r\n", limits).text().starts_with("error 431"));
}

TEST_CASE("limits: a long request target gets 414") {
  ParserLimits limits{.max_head_bytes = 1024, .max_headers = 100, .max_body_bytes = 0};
  auto text = feed_whole(Parser::Kind::request, "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits)
                  .text();
  CHECK(text.starts_with("error 414"));
}

TEST_CASE("limits: more headers than max_headers gets 431") {
  ParserLimits limits{.max_head_bytes = 32768, .max_headers = 5, .max_body_bytes = 0};
  std::string ok = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
  CHECK(feed_whole(Parser::Kind::request, ok, limits).lines.at(0).starts_with("head"));
  std::string over = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n";
  CHECK(feed_whole(Parser::Kind::request, over, limits).text() == "error 431 more headers than max_headers\n");
}

TEST_CASE("limits: bodies larger than max_body_bytes get 413") {
  ParserLimits limits{.max_head_bytes = 32768, .max_headers = 100, .max_body_bytes = 10};
  // Announced: refused at the head, before anything is forwarded.
  CHECK(feed_whole(Parser::Kind::request, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits)
            .text() == "error 413 request body larger than max_body_size\n");
  CHECK(feed_whole(Parser::Kind::request, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits)
            .lines.back() == "end");
  // Chunked: refused once the chunks add up past it.
  auto text = feed_whole(Parser::Kind::request,
                         "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n",
                         limits)
                  .text();
  CHECK(text.ends_with("body abcdefghij\nerror 413 request body larger than max_body_size\n"));
}

TEST_CASE("framing: a response with both lengths is a 502 error") {
  auto text = feed_whole(Parser::Kind::response,
                         "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").text();
  CHECK(text.starts_with("error 502"));
}
