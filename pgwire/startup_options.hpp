// The `options` startup parameter: the command-line switches libpq passes
// (PGOPTIONS, `options=-c search_path=x`). Only settings are understood:
// `-c name=value`, `-cname=value` and `--name=value`, separated by spaces,
// with `\` escaping the next character (as the server reads it).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::pgwire {

using StartupSetting = std::pair<std::string, std::string>;

struct StartupOptions {
  std::vector<StartupSetting> settings;  // in the order given; '-' in a name read as '_'
  // The first word that is not a setting (another switch such as `-d`, a
  // `-c` without `name=value`), as written; empty when every word is one.
  // The settings around it are still read, for a caller that drops it.
  std::string unsupported;
};

StartupOptions parse_startup_options(std::string_view options);

}  // namespace sy::pgwire
