// Client command framing: multibulk and inline commands whole, split at every
// offset, byte by byte and two in one buffer; empty commands; every limit and
// every error with Redis' own text.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "resp/frame_parser.hpp"
#include "tests/unit/resp/feed.hpp"

using namespace sy::resp;
using sy::resp::test::Fed;
using sy::resp::test::feed_bytewise;
using sy::resp::test::feed_split;
using sy::resp::test::feed_whole;

namespace {

using Args = std::vector<std::string>;

const std::string kSet = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$12\r\nhello\r\nworld\r\n";  // CRLF inside a bulk is data
const std::string kInlineGet = "GET \"a b\"\r\n";

// What one request alone should frame to: its arguments, nothing left over.
void check_single(std::string_view request, const Args& expected, FrameKind kind) {
  RequestParser parser;
  Fed fed = feed_whole(parser, request);
  REQUIRE(fed.error == ParseError::none);
  REQUIRE(fed.frames.size() == 1);
  CHECK(fed.frames[0] == request);
  CHECK(fed.kinds[0] == kind);
  CHECK(fed.arguments[0] == expected);
  CHECK(fed.left.empty());
}

ParseError error_of(std::string_view request, Limits limits = {}) {
  RequestParser parser(limits);
  return feed_whole(parser, request).error;
}

}  // namespace

TEST_CASE("request: a multibulk command frames to its arguments, which point into the buffer") {
  RequestParser parser;
  ParseResult result = parser.parse(std::string_view(kSet));
  REQUIRE(result.status == ParseStatus::frame);
  CHECK(result.frame.kind == FrameKind::command);
  CHECK(result.frame.length == kSet.size());
  REQUIRE(result.frame.arguments.size() == 3);
  CHECK(result.frame.argument(0) == "SET");
  CHECK(result.frame.argument(1) == "key");
  CHECK(result.frame.argument(2) == "hello\r\nworld");
  // Zero copy: the views are the buffer's own bytes at the offsets given.
  CHECK(result.frame.argument_bytes.data() == kSet.data());
  CHECK(result.frame.arguments[0].offset == 8);
  CHECK(result.frame.arguments[0].length == 3);
  CHECK(result.frame.arguments[2].offset == 27);
  CHECK(result.frame.arguments[2].length == 12);
}

TEST_CASE("request: an inline command frames to its unquoted words") {
  check_single(kInlineGet, {"GET", "a b"}, FrameKind::inline_command);
  check_single("PING\n", {"PING"}, FrameKind::inline_command);  // telnet/nc may send a bare LF
  check_single("set k v\r\n", {"set", "k", "v"}, FrameKind::inline_command);
}

TEST_CASE("request: empty commands are frames with no arguments, as Redis skips them") {
  for (std::string_view empty : {"*0\r\n", "*-1\r\n", "*-5\r\n", "\r\n", "\n", "   \t \r\n"}) {
    CAPTURE(empty);
    RequestParser parser;
    ParseResult result = parser.parse(empty);
    REQUIRE(result.status == ParseStatus::frame);
    CHECK(result.frame.length == empty.size());
    CHECK(result.frame.arguments.empty());
  }
}

TEST_CASE("request: a frame is incomplete at every proper prefix") {
  for (const std::string& request : {kSet, kInlineGet}) {
    for (size_t n = 0; n < request.size(); ++n) {
      CAPTURE(request);
      CAPTURE(n);
      RequestParser parser;
      CHECK(parser.parse(std::string_view(request).substr(0, n)).status == ParseStatus::need_more);
    }
  }
}

TEST_CASE("request: two commands in one buffer, split at every offset and fed byte by byte") {
  const std::vector<std::string> pairs = {kSet + kInlineGet, kInlineGet + kSet, kSet + kSet, "*0\r\n" + kSet,
                                          kInlineGet + "*1\r\n$0\r\n\r\n"};
  for (const std::string& bytes : pairs) {
    CAPTURE(bytes);
    RequestParser whole_parser;
    Fed whole = feed_whole(whole_parser, bytes);
    REQUIRE(whole.frames.size() == 2);
    CHECK(whole.frames[0] + whole.frames[1] == bytes);
    for (size_t split = 0; split <= bytes.size(); ++split) {
      CAPTURE(split);
      RequestParser parser;  // one parser across both chunks, as on a connection
      Fed fed = feed_split(parser, bytes, split);
      CHECK(fed.error == ParseError::none);
      CHECK(fed.frames == whole.frames);
      CHECK(fed.arguments == whole.arguments);
      CHECK(fed.left.empty());
    }
    RequestParser parser;
    Fed bytewise = feed_bytewise(parser, bytes);
    CHECK(bytewise.frames == whole.frames);
    CHECK(bytewise.arguments == whole.arguments);
  }
  RequestParser parser;
  Fed fed = feed_whole(parser, kSet + kInlineGet);
  CHECK(fed.arguments[0] == Args{"SET", "key", "hello\r\nworld"});
  CHECK(fed.arguments[1] == Args{"GET", "a b"});
  CHECK(fed.kinds == std::vector<FrameKind>{FrameKind::command, FrameKind::inline_command});
}

TEST_CASE("request: a large bulk and a long inline line fed byte by byte take linear time") {
  // Quadratic rescanning would need ~10^11 steps here and time the test out.
  std::string big(1 << 20, 'x');
  std::string request = "*2\r\n$3\r\nSET\r\n$" + std::to_string(big.size()) + "\r\n" + big + "\r\n";
  RequestParser parser;
  Fed fed = feed_bytewise(parser, request);
  REQUIRE(fed.frames.size() == 1);
  CHECK(fed.arguments[0][1].size() == big.size());

  std::string line = "ECHO " + std::string(60000, 'y') + "\r\n";
  RequestParser inline_parser;
  Fed inline_fed = feed_bytewise(inline_parser, line);
  REQUIRE(inline_fed.frames.size() == 1);
  CHECK(inline_fed.arguments[0][1].size() == 60000);
}

TEST_CASE("request: each error has Redis' exact text") {
  struct Case {
    std::string_view bytes;
    ParseError error;
    std::string_view message;
  };
  const Case cases[] = {
      {"*x\r\n", ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
      {"*01\r\n", ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
      {"*+1\r\n", ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
      {"*\r\n", ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
      {"*2147483648\r\n", ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
      {"*1\r\nPING\r\n", ParseError::expected_dollar, "Protocol error: expected '$', got 'P'"},
      {"*2\r\n$1\r\na\r\n:1\r\n", ParseError::expected_dollar, "Protocol error: expected '$', got ':'"},
      {"*1\r\n$-1\r\n", ParseError::invalid_bulk_length, "Protocol error: invalid bulk length"},
      {"*1\r\n$x\r\n", ParseError::invalid_bulk_length, "Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", ParseError::invalid_bulk_length, "Protocol error: invalid bulk length"},
      {"*1\r\n$3\r\nGETxx", ParseError::missing_crlf, "Protocol error: expected '\\r\\n'"},
      {"*1\rx", ParseError::missing_crlf, "Protocol error: expected '\\r\\n'"},
      {"*1\r\n$3\rx", ParseError::missing_crlf, "Protocol error: expected '\\r\\n'"},
      {"SET k \"v\n", ParseError::unbalanced_quotes, "Protocol error: unbalanced quotes in request"},
      {"SET k 'v'x\r\n", ParseError::unbalanced_quotes, "Protocol error: unbalanced quotes in request"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes);
    RequestParser parser;
    Fed fed = feed_whole(parser, c.bytes);
    CHECK(fed.frames.empty());
    CHECK(fed.error == c.error);
    CHECK(fed.error_message == c.message);
    // Byte by byte reaches the same verdict.
    RequestParser bytewise_parser;
    Fed bytewise = feed_bytewise(bytewise_parser, c.bytes);
    CHECK(bytewise.error == c.error);
    CHECK(bytewise.error_message == c.message);
  }
}

TEST_CASE("request: proto-max-bulk-len defaults to 512 MiB and is configurable") {
  CHECK(Limits{}.max_bulk_length == 512u * 1024 * 1024);
  RequestParser parser;
  CHECK(parser.parse(std::string_view("*1\r\n$536870912\r\n")).status == ParseStatus::need_more);  // allowed, awaits data
  Limits small;
  small.max_bulk_length = 5;
  CHECK(error_of("*1\r\n$5\r\nhello\r\n", small) == ParseError::none);
  CHECK(error_of("*1\r\n$6\r\nhello!\r\n", small) == ParseError::invalid_bulk_length);
}

TEST_CASE("request: max_args bounds the multibulk count") {
  Limits limits;
  limits.max_args = 2;
  CHECK(error_of("*2\r\n$1\r\na\r\n$1\r\nb\r\n", limits) == ParseError::none);
  CHECK(error_of("*3\r\n", limits) == ParseError::invalid_multibulk_length);
  CHECK(Limits{}.max_args == 1024 * 1024);
}

TEST_CASE("request: inline length limit (64 KiB by default), exactly at it and one past") {
  CHECK(Limits{}.max_inline_length == 64 * 1024);
  Limits limits;
  limits.max_inline_length = 10;
  const std::string ten = "PING 56789";
  CHECK(error_of(ten, limits) == ParseError::none);           // waits for its line end
  CHECK(error_of(ten + "\r", limits) == ParseError::none);    // the '\r' is not content
  CHECK(error_of(ten + "\r\n", limits) == ParseError::none);
  CHECK(error_of(ten + "x", limits) == ParseError::too_big_inline_request);
  CHECK(error_of(ten + "x\r\n", limits) == ParseError::too_big_inline_request);
  RequestParser parser(limits);
  Fed fed = feed_bytewise(parser, ten + "x");
  CHECK(fed.error == ParseError::too_big_inline_request);
  CHECK(fed.error_message == "Protocol error: too big inline request");
  // At the default limit.
  CHECK(error_of("ECHO " + std::string(64 * 1024 - 5, 'a') + "\r\n") == ParseError::none);
  CHECK(error_of("ECHO " + std::string(64 * 1024 - 4, 'a')) == ParseError::too_big_inline_request);
}

TEST_CASE("request: a length line without CRLF is cut off at the inline limit") {
  Limits limits;
  limits.max_inline_length = 4;
  CHECK(error_of("*1234", limits) == ParseError::none);
  RequestParser parser(limits);
  Fed fed = feed_bytewise(parser, "*12345");
  CHECK(fed.error == ParseError::too_big_mbulk_count);
  CHECK(fed.error_message == "Protocol error: too big mbulk count string");
  CHECK(error_of("*12345\r\n", limits) == ParseError::too_big_mbulk_count);  // whole or in pieces, one verdict
  CHECK(error_of("*1\r\n$12345\r\n", limits) == ParseError::too_big_bulk_count);
  CHECK(error_of("*1\r\n$1234", limits) == ParseError::none);
  RequestParser bulk_parser(limits);
  Fed bulk = feed_bytewise(bulk_parser, "*1\r\n$12345");
  CHECK(bulk.error == ParseError::too_big_bulk_count);
  CHECK(bulk.error_message == "Protocol error: too big bulk count string");
}

TEST_CASE("request: after a frame the parser starts afresh, after an error too") {
  RequestParser parser;
  CHECK(parser.parse(std::string_view("*1\r\n$4\r\nPI")).status == ParseStatus::need_more);
  parser.reset();  // the connection dropped those bytes
  ParseResult result = parser.parse(std::string_view("PING\r\n"));
  REQUIRE(result.status == ParseStatus::frame);
  CHECK(result.frame.kind == FrameKind::inline_command);
  CHECK(parser.parse(std::string_view("*x\r\n")).status == ParseStatus::error);
  result = parser.parse(std::string_view("*1\r\n$4\r\nPING\r\n"));
  REQUIRE(result.status == ParseStatus::frame);
  CHECK(result.frame.argument(0) == "PING");
}

TEST_CASE("request: a huge command's argument vector is not kept for the next one") {
  std::string request = "*5000\r\n";
  for (int i = 0; i < 5000; ++i) request += "$1\r\nx\r\n";
  RequestParser parser;
  Fed fed = feed_whole(parser, request + "*1\r\n$4\r\nPING\r\n");
  REQUIRE(fed.frames.size() == 2);
  CHECK(fed.arguments[0].size() == 5000);
  CHECK(fed.arguments[1] == Args{"PING"});
}
