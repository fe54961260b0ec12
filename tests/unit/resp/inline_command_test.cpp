// Inline command splitting, quote by quote, against what Redis' sdssplitargs
// makes of the same line (the expected values were checked on redis-server
// 7.0.15 with inline RPUSH + LRANGE over a raw socket).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "resp/frame_parser.hpp"
#include "resp/inline_command.hpp"

using namespace sy::resp;

namespace {

using Args = std::vector<std::string>;

// The arguments, or {"<unbalanced>"} when the line is rejected.
Args split(std::string_view line) {
  std::string text;
  std::vector<Argument> arguments;
  if (!split_inline_command(line, text, arguments)) return {"<unbalanced>"};
  Args out;
  for (const Argument& argument : arguments) out.push_back(text.substr(argument.offset, argument.length));
  return out;
}

}  // namespace

TEST_CASE("inline: blanks separate words") {
  CHECK(split("SET key value") == Args{"SET", "key", "value"});
  CHECK(split("  SET \t key\t\tvalue  ") == Args{"SET", "key", "value"});
  CHECK(split("") == Args{});
  CHECK(split(" \t ") == Args{});
  CHECK(split("a\rb") == Args{"a", "b"});  // a lone CR inside the line ends a word
  // Vertical tab and form feed are skipped between words but are part of a word.
  CHECK(split("\v\fa\vb") == Args{"a\vb"});
}

TEST_CASE("inline: double quotes and their escapes") {
  CHECK(split("SET k \"hello world\"") == Args{"SET", "k", "hello world"});
  CHECK(split("\"\"") == Args{""});
  CHECK(split("\"a\\nb\\rc\\td\\be\\af\"") == Args{"a\nb\rc\td\be\af"});
  CHECK(split("\"\\x41\\x6a\\x4G\"") == Args{"Ajx4G"});  // \x needs two hex digits, else it is just 'x'
  CHECK(split("\"say \\\"hi\\\"\"") == Args{"say \"hi\""});
  CHECK(split("\"back\\\\slash\"") == Args{"back\\slash"});
  CHECK(split("\"it's\"") == Args{"it's"});
  CHECK(split("foo\"bar\"") == Args{"foobar"});  // a quote may open inside a word
  CHECK(split("\"a\" \"b\"") == Args{"a", "b"});
}

TEST_CASE("inline: single quotes take only \\'") {
  CHECK(split("'a b'") == Args{"a b"});
  CHECK(split("'it\\'s'") == Args{"it's"});
  CHECK(split("'a\\nb'") == Args{"a\\nb"});
  CHECK(split("'say \"hi\"'") == Args{"say \"hi\""});
}

TEST_CASE("inline: unbalanced quoting is rejected") {
  CHECK(split("\"abc") == Args{"<unbalanced>"});
  CHECK(split("'abc") == Args{"<unbalanced>"});
  CHECK(split("\"a\"b") == Args{"<unbalanced>"});  // a closing quote must end the word
  CHECK(split("'a'b") == Args{"<unbalanced>"});
  CHECK(split("\"abc\\") == Args{"<unbalanced>"});
  CHECK(split("\"abc\\\"") == Args{"<unbalanced>"});
}

TEST_CASE("inline: a NUL byte ends the line, as in the C string Redis splits") {
  CHECK(split(std::string_view("GET a\0b c", 9)) == Args{"GET", "a"});
  CHECK(split(std::string_view("GET \"a\0b\"", 9)) == Args{"<unbalanced>"});
}

TEST_CASE("inline: the request parser refuses a NUL byte, which Redis would wait past forever") {
  RequestParser parser;
  ParseResult result = parser.parse(std::string_view("GET a\0b\r\n", 9));
  CHECK(result.status == ParseStatus::error);
  CHECK(result.error == ParseError::nul_in_inline_request);
  CHECK(parser.error_message() == "Protocol error: NUL byte in inline request");
}

TEST_CASE("inline: through the request parser, quoting errors have Redis' text") {
  RequestParser parser;
  ParseResult result = parser.parse(std::string_view("ECHO \"unterminated\r\n"));
  CHECK(result.status == ParseStatus::error);
  CHECK(result.error == ParseError::unbalanced_quotes);
  CHECK(parser.error_message() == "Protocol error: unbalanced quotes in request");
}
