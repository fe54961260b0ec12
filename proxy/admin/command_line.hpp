// What turns the bytes an admin client sends into a command: the line
// framing (one line per connection, at most kMaxCommandLength bytes before
// its newline) and the split of that line into words, the command they name
// in the command table and its arguments. Pure, so that unit tests and the
// admin_command fuzz target drive it without a socket or a running proxy;
// admin_server.cpp feeds it, commands.cpp holds the table and runs handlers.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sy::admin {

// docs/operations.md, "Limits": a longer line is refused.
inline constexpr size_t kMaxCommandLength = 4096;

struct LineStep {
  enum class Kind {
    need_more,  // no newline yet, and not too long so far
    line,       // `line` is the command, without its newline
    too_long,   // more than kMaxCommandLength bytes before the newline (or none yet)
  };
  Kind kind;
  std::string_view line;  // inside the input
};

// `input` is everything the client has sent so far.
LineStep take_command_line(std::string_view input, size_t max_length = kMaxCommandLength);

// One row of the command table as the parser sees it.
struct CommandSyntax {
  std::string_view words;  // "show servers"
  std::string_view usage;  // "[BACKEND]"
  size_t min_args;
  size_t max_args;
};

struct ParsedCommand {
  size_t index = 0;                    // the row in the table; valid when error is empty
  std::vector<std::string_view> args;  // after the command words; inside the line
  bool json = false;                   // "--json" anywhere in the line
  std::string error;                   // why the line is not a command; the reply's text
};

// Words are separated by spaces, tabs and carriage returns; every other
// byte (other control bytes too) is part of a word. The first row whose
// words begin the line is the command; "--json" is a flag, not a word. An
// unknown line is quoted back in the error escaped (core::printable), so a
// reply cannot carry the client's control bytes to the operator's terminal.
ParsedCommand parse_command(std::string_view line, std::span<const CommandSyntax> table);

}  // namespace sy::admin
