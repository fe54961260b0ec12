// libFuzzer target for the admin socket's front end (proxy/admin/command_line.*):
// the bytes a client sends, cut into pieces as reads deliver them, framed
// into one command line, then split into the command and its arguments. The
// first input byte picks the cuts. Checked: the framing does not depend on
// the cuts; a line holds no newline and is at most kMaxCommandLength bytes,
// and a longer one (or that many bytes without a newline) is refused; a
// parsed command is the table row its words name, with an argument count the
// row allows and arguments that are words of the line; every error is text
// without control bytes (an unknown line is quoted back escaped).
// Not covered: the handlers (commands.cpp and the *_commands.cpp files),
// which need a running control thread. The table here has the real table's
// shapes (one- and two-word commands, 0-0, 0-1, 1-1, 1-2 and 2-2
// arguments); the parser is the same code whatever the rows say.
// Build and run: tests/fuzz/run.sh admin_command.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/command_line.hpp"

using sy::admin::CommandSyntax;
using sy::admin::LineStep;

namespace {

const std::vector<CommandSyntax> kTable = {
    {"help", "", 0, 0},
    {"show servers", "[BACKEND]", 0, 1},
    {"show listeners", "", 0, 0},
    {"set weight", "BACKEND/SERVER N", 2, 2},
    {"drain", "BACKEND/SERVER", 1, 1},
    {"reload", "", 0, 0},
    {"show pools", "", 0, 0},
    {"switchover", "CLUSTER [SERVER]", 1, 2},
};

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The server's read loop: appends each piece and asks for a line, until one
// comes or the input is refused. A short limit sometimes, so that the
// too-long path is reached by short inputs too.
LineStep frame(std::string_view bytes, uint8_t seed, size_t limit, std::string& buffer) {
  buffer.clear();
  uint32_t state = seed * 2654435761u + 1;
  LineStep step{LineStep::Kind::need_more, {}};
  while (!bytes.empty()) {
    state = state * 1103515245u + 12345u;
    size_t length = std::min<size_t>(bytes.size(), 1 + (state >> 16) % 1024);
    buffer.append(bytes.substr(0, length));
    bytes.remove_prefix(length);
    step = sy::admin::take_command_line(buffer, limit);
    if (step.kind != LineStep::Kind::need_more) break;
  }
  return step;
}

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_separator(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_separator(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

void check_parse(std::string_view line) {
  auto parsed = sy::admin::parse_command(line, kTable);
  std::vector<std::string_view> words;
  bool json = false;
  for (auto word : words_of(line)) {
    if (word == "--json") json = true;
    else words.push_back(word);
  }
  require(parsed.json == json);
  if (!parsed.error.empty()) {
    for (char c : parsed.error) require(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
    return;
  }
  require(parsed.index < kTable.size());
  const CommandSyntax& row = kTable[parsed.index];
  auto command_words = words_of(row.words);
  require(words.size() == command_words.size() + parsed.args.size());
  for (size_t i = 0; i < command_words.size(); ++i) require(words[i] == command_words[i]);
  require(parsed.args.size() >= row.min_args && parsed.args.size() <= row.max_args);
  for (size_t i = 0; i < parsed.args.size(); ++i) {
    require(parsed.args[i] == words[command_words.size() + i]);
    require(parsed.args[i].data() >= line.data() && parsed.args[i].data() + parsed.args[i].size() <= line.data() + line.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t limit = data[0] & 1 ? sy::admin::kMaxCommandLength : 64;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto whole = sy::admin::take_command_line(bytes, limit);
  std::string buffer;
  auto cut = frame(bytes, data[0], limit, buffer);
  require(whole.kind == cut.kind);
  const size_t newline = bytes.find('\n');
  switch (whole.kind) {
    case LineStep::Kind::need_more:
      require(newline == std::string_view::npos && bytes.size() <= limit);
      return 0;
    case LineStep::Kind::too_long:
      require(newline == std::string_view::npos ? bytes.size() > limit : newline > limit);
      return 0;
    case LineStep::Kind::line:
      require(whole.line == cut.line);
      require(whole.line.size() == newline && whole.line.size() <= limit);
      require(whole.line.data() == bytes.data());
      check_parse(whole.line);
      return 0;
  }
  std::abort();
}
