// Server reply framing, RESP2 and RESP3: every type whole, at every split
// offset beside a second reply and byte by byte; nesting at the depth limit
// and one past it; attributes; push frames; every error.
#include <doctest/doctest.h>

#include <chrono>
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

struct Sample {
  std::string bytes;
  ReplyType type;
  bool has_attribute = false;
};

const std::vector<Sample>& samples() {
  static const std::vector<Sample> all = {
      {"+OK\r\n", ReplyType::simple_string},
      {"+\r\n", ReplyType::simple_string},
      {"-ERR unknown command 'x'\r\n", ReplyType::simple_error},
      {":0\r\n", ReplyType::integer},
      {":-9223372036854775808\r\n", ReplyType::integer},
      {"$5\r\nhe\r\no\r\n", ReplyType::bulk_string},  // CRLF inside a bulk is data
      {"$0\r\n\r\n", ReplyType::bulk_string},
      {"$-1\r\n", ReplyType::bulk_string},
      {"*2\r\n$1\r\na\r\n:1\r\n", ReplyType::array},
      {"*0\r\n", ReplyType::array},
      {"*-1\r\n", ReplyType::array},
      {"*3\r\n*1\r\n*0\r\n%0\r\n~1\r\n_\r\n", ReplyType::array},
      {"_\r\n", ReplyType::null},
      {",3.14\r\n", ReplyType::double_value},
      {",-inf\r\n", ReplyType::double_value},
      {"#t\r\n", ReplyType::boolean},
      {"#f\r\n", ReplyType::boolean},
      {"!21\r\nSYNTAX invalid syntax\r\n", ReplyType::blob_error},
      {"=15\r\ntxt:Some string\r\n", ReplyType::verbatim_string},
      {"(3492890328409238509324850943850943825024385\r\n", ReplyType::big_number},
      {"%2\r\n+first\r\n:1\r\n+second\r\n*2\r\n:2\r\n:3\r\n", ReplyType::map},
      {"~3\r\n+a\r\n:1\r\n#f\r\n", ReplyType::set},
      {">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", ReplyType::push},
      {"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
       ReplyType::array, true},
      {"|0\r\n+OK\r\n", ReplyType::simple_string, true},
      // An attribute inside an aggregate annotates an element and is not one itself.
      {"*2\r\n|1\r\n+ttl\r\n:3600\r\n+a\r\n+b\r\n", ReplyType::array},
  };
  return all;
}

Fed frame_once(std::string_view bytes, Limits limits = {}) {
  ReplyParser parser(limits);
  return feed_whole(parser, bytes);
}

std::string nested_arrays(size_t depth) {
  std::string bytes;
  for (size_t i = 0; i < depth; ++i) bytes += "*1\r\n";
  return bytes + ":1\r\n";
}

}  // namespace

TEST_CASE("reply: every RESP2 and RESP3 type frames whole, with its top-level type") {
  for (const Sample& sample : samples()) {
    CAPTURE(sample.bytes);
    ReplyParser parser;
    ParseResult result = parser.parse(std::string_view(sample.bytes));
    REQUIRE(result.status == ParseStatus::frame);
    CHECK(result.frame.kind == FrameKind::reply);
    CHECK(result.frame.length == sample.bytes.size());
    CHECK(result.frame.type == sample.type);
    CHECK(result.frame.has_attribute == sample.has_attribute);
    CHECK(result.frame.is_push() == (sample.type == ReplyType::push));
    CHECK(result.frame.is_error() == (sample.type == ReplyType::simple_error || sample.type == ReplyType::blob_error));
    CHECK(result.frame.arguments.empty());
  }
}

TEST_CASE("reply: every proper prefix needs more bytes") {
  for (const Sample& sample : samples()) {
    for (size_t n = 0; n < sample.bytes.size(); ++n) {
      CAPTURE(sample.bytes);
      CAPTURE(n);
      ReplyParser parser;
      CHECK(parser.parse(std::string_view(sample.bytes).substr(0, n)).status == ParseStatus::need_more);
    }
  }
}

TEST_CASE("reply: two replies in one buffer, split at every offset and fed byte by byte") {
  const std::string second = ">2\r\n+pong\r\n$0\r\n\r\n";
  for (const Sample& sample : samples()) {
    const std::string bytes = sample.bytes + second;
    CAPTURE(bytes);
    for (size_t split = 0; split <= bytes.size(); ++split) {
      CAPTURE(split);
      ReplyParser parser;
      Fed fed = feed_split(parser, bytes, split);
      REQUIRE(fed.error == ParseError::none);
      REQUIRE(fed.frames.size() == 2);
      CHECK(fed.frames[0] == sample.bytes);
      CHECK(fed.frames[1] == second);
      CHECK(fed.types[0] == sample.type);
      CHECK(fed.types[1] == ReplyType::push);
      CHECK(fed.attributes[0] == sample.has_attribute);
      CHECK_FALSE(fed.attributes[1]);  // the first reply's attribute does not leak into the next
      CHECK(fed.left.empty());
    }
    ReplyParser parser;
    Fed bytewise = feed_bytewise(parser, bytes);
    REQUIRE(bytewise.frames.size() == 2);
    CHECK(bytewise.frames[0] == sample.bytes);
    CHECK(bytewise.types[0] == sample.type);
  }
}

TEST_CASE("reply: a pipeline of every sample frames back in order") {
  std::string all;
  for (const Sample& sample : samples()) all += sample.bytes;
  ReplyParser parser;
  Fed fed = feed_whole(parser, all);
  REQUIRE(fed.frames.size() == samples().size());
  for (size_t i = 0; i < samples().size(); ++i) {
    CHECK(fed.frames[i] == samples()[i].bytes);
    CHECK(fed.types[i] == samples()[i].type);
  }
}

TEST_CASE("reply: nesting at the depth limit frames, one past it is an error") {
  CHECK(Limits{}.max_depth == 32);
  CHECK(frame_once(nested_arrays(32)).frames.size() == 1);
  Fed too_deep = frame_once(nested_arrays(33));
  CHECK(too_deep.error == ParseError::reply_too_deep);
  CHECK(too_deep.error_message == "Protocol error: reply nested too deep");

  Limits limits;
  limits.max_depth = 3;
  CHECK(frame_once(nested_arrays(3), limits).frames.size() == 1);
  CHECK(frame_once(nested_arrays(4), limits).error == ParseError::reply_too_deep);
  // Depth counts open aggregates, not siblings: many arrays side by side are fine.
  std::string wide = "*40\r\n";
  for (int i = 0; i < 40; ++i) wide += "*1\r\n*1\r\n:1\r\n";
  CHECK(frame_once(wide, limits).frames.size() == 1);
  // An attribute is an aggregate too, and maps and sets count like arrays.
  CHECK(frame_once("*1\r\n%1\r\n+k\r\n~1\r\n:1\r\n", limits).frames.size() == 1);
  CHECK(frame_once("*1\r\n%1\r\n+k\r\n~1\r\n*1\r\n:1\r\n", limits).error == ParseError::reply_too_deep);
  CHECK(frame_once("*1\r\n*1\r\n|1\r\n+a\r\n*1\r\n:1\r\n:1\r\n", limits).error == ParseError::reply_too_deep);
}

TEST_CASE("reply: errors") {
  struct Case {
    std::string_view bytes;
    ParseError error;
  };
  const Case cases[] = {
      {"x\r\n", ParseError::invalid_reply_type},
      {"*1\r\nx\r\n", ParseError::invalid_reply_type},
      {"$x\r\n", ParseError::invalid_reply_length},
      {"$-2\r\n", ParseError::invalid_reply_length},
      {"!-1\r\n", ParseError::invalid_reply_length},  // only "$" has a RESP2 null
      {"*-2\r\n", ParseError::invalid_reply_length},
      {"%-1\r\n", ParseError::invalid_reply_length},
      {">-1\r\n", ParseError::invalid_reply_length},
      {"*?\r\n", ParseError::invalid_reply_length},  // RESP3 streamed aggregates: Redis never sends them
      {"$?\r\n", ParseError::invalid_reply_length},
      {"$536870913\r\n", ParseError::invalid_reply_length},
      {"*4294967297\r\n", ParseError::invalid_reply_length},
      {":1.5\r\n", ParseError::invalid_reply_line},
      {":\r\n", ParseError::invalid_reply_line},
      {"_x\r\n", ParseError::invalid_reply_line},
      {"#x\r\n", ParseError::invalid_reply_line},
      {"$3\r\nabcde", ParseError::missing_crlf},
      {"+OK\rX", ParseError::missing_crlf},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes);
    Fed fed = frame_once(c.bytes);
    CHECK(fed.frames.empty());
    CHECK(fed.error == c.error);
    CHECK(fed.error_message == error_text(c.error));
    ReplyParser parser;
    CHECK(feed_bytewise(parser, c.bytes).error == c.error);
  }
}

TEST_CASE("reply: line and aggregate limits") {
  Limits limits;
  limits.max_bulk_length = 8;  // bounds simple lines too
  limits.max_aggregate_length = 2;
  CHECK(frame_once("+12345678\r\n", limits).frames.size() == 1);
  CHECK(frame_once("+123456789\r\n", limits).error == ParseError::too_big_reply_line);
  ReplyParser parser(limits);
  CHECK(feed_bytewise(parser, "-123456789").error == ParseError::too_big_reply_line);
  CHECK(frame_once("$8\r\n12345678\r\n", limits).frames.size() == 1);
  limits.max_inline_length = 3;  // bounds length lines
  CHECK(frame_once("*1\r\n:1\r\n", limits).frames.size() == 1);
  CHECK(frame_once("*0001\r\n", limits).error == ParseError::too_big_reply_line);
  ReplyParser pieces(limits);
  CHECK(feed_bytewise(pieces, "*0001\r\n").error == ParseError::too_big_reply_line);
  CHECK(frame_once("$9\r\n", limits).error == ParseError::invalid_reply_length);
  CHECK(frame_once("*2\r\n:1\r\n:2\r\n", limits).frames.size() == 1);
  CHECK(frame_once("~3\r\n", limits).error == ParseError::invalid_reply_length);
  CHECK(frame_once("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", limits).frames.size() == 1);  // a map counts its pairs
}

TEST_CASE("reply: a 2 MiB simple string fed byte by byte takes linear time") {
  // Linear: well under a second. Rescanning the line on every byte would look
  // at ~2*10^12 bytes, tens of seconds even with memchr.
  std::string line = "+" + std::string(2 << 20, 's') + "\r\n";
  ReplyParser parser;
  auto start = std::chrono::steady_clock::now();
  Fed fed = feed_bytewise(parser, line);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(fed.frames.size() == 1);
  CHECK(fed.frames[0].size() == line.size());
  CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("reply: a large announced array arrives element by element") {
  std::string reply = "*10000\r\n";
  for (int i = 0; i < 10000; ++i) reply += ":" + std::to_string(i) + "\r\n";
  ReplyParser parser;
  Fed fed = feed_bytewise(parser, reply);
  REQUIRE(fed.frames.size() == 1);
  CHECK(fed.frames[0].size() == reply.size());
}
