// Admin command line framing and parsing; see command_line.hpp.
#include "proxy/admin/command_line.hpp"

#include "proxy/core/log_guard.hpp"

namespace sy::admin {
namespace {

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_separator(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_separator(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// How many of `words` the row's words are, or 0 when they do not begin it.
size_t matched_words(std::span<const std::string_view> words, std::string_view command) {
  auto expected = split_words(command);
  if (expected.empty() || words.size() < expected.size()) return 0;
  for (size_t i = 0; i < expected.size(); ++i)
    if (words[i] != expected[i]) return 0;
  return expected.size();
}

}  // namespace

LineStep take_command_line(std::string_view input, size_t max_length) {
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos)
    return {input.size() > max_length ? LineStep::Kind::too_long : LineStep::Kind::need_more, {}};
  if (newline > max_length) return {LineStep::Kind::too_long, {}};
  return {LineStep::Kind::line, input.substr(0, newline)};
}

ParsedCommand parse_command(std::string_view line, std::span<const CommandSyntax> table) {
  ParsedCommand parsed;
  std::vector<std::string_view> words;
  for (auto word : split_words(line)) {
    if (word == "--json") parsed.json = true;
    else words.push_back(word);
  }
  if (words.empty()) {
    parsed.error = "empty command; try \"help\"";
    return parsed;
  }
  for (size_t i = 0; i < table.size(); ++i) {
    size_t consumed = matched_words(words, table[i].words);
    if (consumed == 0) continue;
    parsed.index = i;
    parsed.args.assign(words.begin() + static_cast<long>(consumed), words.end());
    if (parsed.args.size() < table[i].min_args || parsed.args.size() > table[i].max_args)
      parsed.error = "usage: " + std::string(table[i].words) + " " + std::string(table[i].usage);
    return parsed;
  }
  parsed.error = "unknown command \"" + core::printable(line) + "\"; try \"help\"";
  return parsed;
}

}  // namespace sy::admin
