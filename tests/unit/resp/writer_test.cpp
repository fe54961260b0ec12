// The encoders: exact bytes for every kind, CR/LF kept out of simple lines,
// BufferWriter's bounds, and commands that come back through the parser with
// the same arguments.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "resp/frame_parser.hpp"
#include "resp/writer.hpp"
#include "tests/unit/resp/feed.hpp"

using namespace sy::resp;

TEST_CASE("writer: each encoding, byte for byte") {
  std::string out;
  append_simple_string(out, "OK");
  CHECK(out == "+OK\r\n");
  out.clear();
  append_error(out, "ERR unknown command 'FOO'");
  CHECK(out == "-ERR unknown command 'FOO'\r\n");
  out.clear();
  append_integer(out, 0);
  append_integer(out, -1);
  append_integer(out, std::numeric_limits<int64_t>::min());
  append_integer(out, std::numeric_limits<int64_t>::max());
  CHECK(out == ":0\r\n:-1\r\n:-9223372036854775808\r\n:9223372036854775807\r\n");
  out.clear();
  append_bulk(out, "a\r\nb");
  append_bulk(out, "");
  append_null_bulk(out);
  CHECK(out == "$4\r\na\r\nb\r\n$0\r\n\r\n$-1\r\n");
  out.clear();
  append_array_header(out, 0);
  append_array_header(out, 12);
  CHECK(out == "*0\r\n*12\r\n");
  out.clear();
  append_command(out, {"SELECT", "3"});
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n");
}

TEST_CASE("writer: CR and LF in simple strings and errors become spaces, as Redis does") {
  std::string out;
  append_error(out, "ERR bad\r\nthing\n");
  CHECK(out == "-ERR bad  thing \r\n");
  out.clear();
  append_simple_string(out, "\r");
  CHECK(out == "+ \r\n");
}

TEST_CASE("writer: appends after what is already there") {
  std::string out = "prefix";
  append_simple_string(out, "OK");
  CHECK(out == "prefix+OK\r\n");
}

TEST_CASE("writer: command_size is the size append_command writes") {
  const std::vector<std::vector<std::string_view>> commands = {
      {}, {"PING"}, {"SET", "k", std::string_view("0123456789")}, {"", "", ""}};
  for (const auto& argv : commands) {
    std::string out;
    append_command(out, argv);
    CHECK(command_size(argv) == out.size());
  }
  std::string long_argument(12345, 'z');
  std::vector<std::string_view> argv(11, long_argument);
  std::string out;
  append_command(out, argv);
  CHECK(command_size(argv) == out.size());
}

TEST_CASE("writer: BufferWriter writes the same bytes and stops at the end of the buffer") {
  std::array<char, 64> storage{};
  BufferWriter writer(storage);
  std::array<std::string_view, 2> argv = {"GET", "key"};
  writer.simple_string("OK").error("ERR x").integer(-7).bulk("v").null_bulk().array_header(2).command(argv);
  REQUIRE(writer.ok());
  std::string expected;
  append_simple_string(expected, "OK");
  append_error(expected, "ERR x");
  append_integer(expected, -7);
  append_bulk(expected, "v");
  append_null_bulk(expected);
  append_array_header(expected, 2);
  append_command(expected, argv);
  CHECK(writer.written() == expected);
  CHECK(writer.size() == expected.size());

  // Exactly full is fine; one byte more fails and writes nothing further.
  std::array<char, 5> five{};
  BufferWriter exact(five);
  exact.simple_string("OK");
  CHECK(exact.ok());
  CHECK(exact.size() == 5);
  exact.integer(1);
  CHECK_FALSE(exact.ok());
  CHECK(exact.size() == 5);
  std::array<char, 4> four{};
  BufferWriter short_buffer(four);
  short_buffer.simple_string("OK").simple_string("");
  CHECK_FALSE(short_buffer.ok());
  CHECK(short_buffer.size() <= 4);
}

TEST_CASE("writer: commands round-trip through the request parser, binary and empty arguments included") {
  std::string binary;
  for (int c = 0; c < 256; ++c) binary.push_back(char(c));
  const std::vector<std::vector<std::string_view>> commands = {
      {"PING"},
      {"SET", "key", binary},
      {"MSET", "", "", "a b", "\"quoted\""},
      {"ECHO", "*1\r\n$4\r\nPING\r\n"},
  };
  std::string pipeline;
  for (const auto& argv : commands) append_command(pipeline, argv);
  for (size_t split = 0; split <= pipeline.size(); ++split) {
    RequestParser parser;
    test::Fed fed = test::feed_split(parser, pipeline, split);
    REQUIRE(fed.frames.size() == commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      CHECK(fed.kinds[i] == FrameKind::command);
      CHECK(fed.arguments[i] == std::vector<std::string>(commands[i].begin(), commands[i].end()));
    }
  }
}

TEST_CASE("writer: an inline command rewritten to multibulk keeps its arguments") {
  RequestParser parser;
  ParseResult inline_result = parser.parse(std::string_view("SET k \"a\\r\\nb\" 'c d'\r\n"));
  REQUIRE(inline_result.status == ParseStatus::frame);
  std::vector<std::string> words;
  for (size_t i = 0; i < inline_result.frame.arguments.size(); ++i) words.emplace_back(inline_result.frame.argument(i));
  CHECK(words == std::vector<std::string>{"SET", "k", "a\r\nb", "c d"});
  std::vector<std::string_view> argv(words.begin(), words.end());
  std::string multibulk;
  append_command(multibulk, argv);
  ParseResult again = parser.parse(std::string_view(multibulk));
  REQUIRE(again.status == ParseStatus::frame);
  REQUIRE(again.frame.arguments.size() == 4);
  CHECK(again.frame.argument(2) == "a\r\nb");
  CHECK(again.frame.argument(3) == "c d");
}

TEST_CASE("writer: replies it writes frame as the reply types they are") {
  std::string out;
  append_simple_string(out, "OK");
  append_error(out, "ERR x");
  append_integer(out, 5);
  append_bulk(out, "v");
  append_null_bulk(out);
  append_array_header(out, 2);
  append_bulk(out, "a");
  append_integer(out, 1);
  ReplyParser parser;
  test::Fed fed = test::feed_whole(parser, out);
  CHECK(fed.types == std::vector<ReplyType>{ReplyType::simple_string, ReplyType::simple_error, ReplyType::integer,
                                            ReplyType::bulk_string, ReplyType::bulk_string, ReplyType::array});
  CHECK(fed.left.empty());
}
