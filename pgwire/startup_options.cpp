// Reading the `options` startup parameter; see startup_options.hpp.
#include "pgwire/startup_options.hpp"

#include <optional>

namespace sy::pgwire {
namespace {

// Words split at unescaped spaces; a backslash keeps the next byte as it is.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) c = text[++i];
    word += c;
    in_word = true;
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::optional<StartupSetting> setting(std::string_view text) {
  auto equals = text.find('=');
  if (equals == 0 || equals == std::string_view::npos) return std::nullopt;
  std::string name(text.substr(0, equals));
  // The server treats '-' in a switch's name as '_' (--search-path=x).
  for (char& c : name)
    if (c == '-') c = '_';
  return StartupSetting{std::move(name), std::string(text.substr(equals + 1))};
}

}  // namespace

StartupOptions parse_startup_options(std::string_view options) {
  StartupOptions parsed;
  auto words = split_words(options);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    size_t first = i;
    std::optional<StartupSetting> found;
    if (word == "-c" && i + 1 < words.size()) found = setting(words[++i]);
    else if (word.starts_with("--")) found = setting(word.substr(2));
    else if (word.starts_with("-c") && word.size() > 2) found = setting(word.substr(2));
    if (found) {
      parsed.settings.push_back(std::move(*found));
    } else if (parsed.unsupported.empty()) {
      parsed.unsupported = words[first];
      if (i != first) parsed.unsupported += " " + words[i];
    }
  }
  return parsed;
}

}  // namespace sy::pgwire
