// The admin socket's line framing and command parsing (proxy/admin/command_line.*),
// without a socket: over-long lines, missing newlines, control bytes, the
// word split, "--json", argument counts against a table of the real shapes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "proxy/admin/command_line.hpp"

using namespace sy::admin;

namespace {

const std::vector<CommandSyntax> kTable = {
    {"help", "", 0, 0},
    {"show servers", "[BACKEND]", 0, 1},
    {"show listeners", "", 0, 0},
    {"set weight", "BACKEND/SERVER N", 2, 2},
    {"switchover", "CLUSTER [SERVER]", 1, 2},
};

}  // namespace

TEST_CASE("admin line: a line ends at its newline, and is refused past the limit with or without one") {
  CHECK(take_command_line("").kind == LineStep::Kind::need_more);
  CHECK(take_command_line("show serv").kind == LineStep::Kind::need_more);
  auto step = take_command_line("help\nmore after");
  REQUIRE(step.kind == LineStep::Kind::line);
  CHECK(step.line == "help");
  CHECK(take_command_line(std::string(kMaxCommandLength, 'a')).kind == LineStep::Kind::need_more);
  CHECK(take_command_line(std::string(kMaxCommandLength + 1, 'a')).kind == LineStep::Kind::too_long);
  CHECK(take_command_line(std::string(kMaxCommandLength, 'a') + "\n").kind == LineStep::Kind::line);
  CHECK(take_command_line(std::string(kMaxCommandLength + 1, 'a') + "\n").kind == LineStep::Kind::too_long);
}

TEST_CASE("admin line: words, the --json flag and arguments") {
  auto parsed = parse_command(" show\tservers  app --json\r", kTable);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.index == 1);
  CHECK(parsed.json);
  REQUIRE(parsed.args.size() == 1);
  CHECK(parsed.args[0] == "app");
  parsed = parse_command("--json show listeners", kTable);
  CHECK(parsed.error.empty());
  CHECK(parsed.index == 2);
  CHECK(parsed.json);
}

TEST_CASE("admin line: wrong argument counts get the usage, empty and unknown lines an error") {
  CHECK(parse_command("set weight app/a1", kTable).error == "usage: set weight BACKEND/SERVER N");
  CHECK(parse_command("help me", kTable).error == "usage: help ");
  CHECK(parse_command("switchover", kTable).error == "usage: switchover CLUSTER [SERVER]");
  CHECK(parse_command("", kTable).error == "empty command; try \"help\"");
  CHECK(parse_command(" \t\r --json", kTable).error == "empty command; try \"help\"");
  CHECK(parse_command("frobnicate everything", kTable).error == "unknown command \"frobnicate everything\"; try \"help\"");
  CHECK(parse_command("show", kTable).error.starts_with("unknown command"));
}

TEST_CASE("admin line: control bytes are part of words and are escaped when the line is quoted back") {
  // A NUL or an escape byte does not separate words: "help\x1b" is no command.
  CHECK(parse_command(std::string("help\0", 5), kTable).error == "unknown command \"help\\x00\"; try \"help\"");
  CHECK(parse_command("\x1b[2Jhelp", kTable).error == "unknown command \"\\x1b[2Jhelp\"; try \"help\"");
  // Quoted back cut at 256 bytes, not the whole 4 KB line.
  CHECK(parse_command(std::string(4000, 'x'), kTable).error.size() < 300);
}
