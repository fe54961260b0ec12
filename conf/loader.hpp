// Entry point of the configuration subsystem: TOML text in, a validated
// immutable Config (or every error, each as "file:line:col: message") out.
// A reload loads the file again, then asks changes_needing_restart()
// (restart_changes.hpp) what of the difference it cannot apply.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/restart_changes.hpp"

namespace sy::conf {

struct Diagnostic {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;

  std::string to_string() const;  // "file:line:col: message"
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  std::vector<Diagnostic> errors;

  bool ok() const { return config != nullptr; }
};

// Reads and validates the file at `path`.
LoadResult load_file(const std::string& path);
// Validates TOML text; `source_name` is used in diagnostics.
LoadResult load_string(std::string_view toml_text, const std::string& source_name);

}  // namespace sy::conf
