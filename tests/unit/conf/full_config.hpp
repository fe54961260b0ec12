// A valid file with one table of every section, and a way to put one more
// `key = value` line into any of them: what the table-driven tests of the
// generic reader and the reload decision load, key by key.
#pragma once

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/loader.hpp"
#include "conf/schema.hpp"

namespace sy::conf::testing {

// Each section's header and the keys the file already sets in it, in file
// order; an extra line goes right after them.
struct FullConfigSection {
  std::string_view section;
  std::string_view header;
  std::vector<std::string_view> lines;
};

inline const std::vector<FullConfigSection>& full_config_sections() {
  static const std::vector<FullConfigSection> sections = {
      {"global", "[global]", {}},
      {"listener", "[[listener]]", {"name = \"web\"", "bind = \"127.0.0.1:0\"", "protocol = \"http\"", "backend = \"app\""}},
      {"listener.http", "[listener.http]", {}},
      {"listener.redis", "[listener.redis]", {"password = \"p\""}},
      {"listener.redis.users", "[[listener.redis.users]]", {"name = \"app\"", "password = \"q\""}},
      {"listener.tls", "[listener.tls]", {"cert = \"/etc/sy/web.pem\"", "key = \"/etc/sy/web.key\""}},
      {"listener.tls.certificate", "[[listener.tls.certificate]]",
       {"cert = \"/etc/sy/api.pem\"", "key = \"/etc/sy/api.key\""}},
      {"listener.route", "[[listener.route]]", {"backend = \"app\"", "path_prefix = \"/a\""}},
      {"backend", "[[backend]]", {"name = \"app\""}},
      {"backend.health_check", "[backend.health_check]", {}},
      {"backend.http", "[backend.http]", {}},
      {"backend.tls", "[backend.tls]", {}},
      {"backend.redis", "[backend.redis]", {}},
      {"backend.outlier_ejection", "[backend.outlier_ejection]", {}},
      {"backend.sentinel", "[backend.sentinel]", {"master_name = \"mymaster\"", "sentinels = [\"127.0.0.1:26379\"]"}},
      {"backend.server", "[[backend.server]]", {"name = \"a1\"", "address = \"127.0.0.1:9001\""}},
      {"postgres", "[postgres]", {}},
      {"database", "[[database]]", {"name = \"db\"", "backend = \"app\""}},
      {"user", "[[user]]", {"name = \"u\""}},
  };
  return sections;
}

// Whether the full config already sets this key (another line of it would be a TOML error).
inline bool set_by_full_config(const KeySpec& spec) {
  for (const auto& section : full_config_sections())
    if (section.section == spec.section)
      for (std::string_view line : section.lines)
        if (line.starts_with(std::string(spec.key) + " =")) return true;
  return false;
}

struct InjectedConfig {
  std::string text;
  uint32_t line = 0;  // where the extra line is, 1-based; 0 without one
};

// The full config, with `extra` as one more line of `section` when given.
inline InjectedConfig full_config(std::string_view section = {}, const std::string& extra = {}) {
  InjectedConfig config;
  uint32_t line = 0;
  for (const auto& part : full_config_sections()) {
    config.text += std::string(part.header) + "\n";
    ++line;
    for (std::string_view text : part.lines) {
      config.text += std::string(text) + "\n";
      ++line;
    }
    if (part.section == section && !extra.empty()) {
      config.text += extra + "\n";
      config.line = ++line;
    }
  }
  REQUIRE_MESSAGE((section.empty() || config.line != 0), "no section ", section, " in the full config");
  return config;
}

// The errors of loading `config`, as "line: message", at its extra line only.
inline std::vector<std::string> errors_on_extra_line(const InjectedConfig& config) {
  LoadResult result = load_string(config.text, "full.toml");
  std::vector<std::string> messages;
  for (const Diagnostic& error : result.errors)
    if (error.line == config.line) messages.push_back(error.message);
  return messages;
}

}  // namespace sy::conf::testing
