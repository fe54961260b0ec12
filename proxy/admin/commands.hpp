// The admin command table and its dispatcher. Each command is one row:
// its words, its arguments, its help text and its handler.
#pragma once

#include <string>
#include <string_view>

namespace sy::core {
class Control;
}

namespace sy::admin {

struct Reply {
  bool ok = true;
  std::string text;
};

// Runs one command line ("show servers --json", "drain app/app2") on the
// control thread.
Reply execute(core::Control& control, std::string_view line);

}  // namespace sy::admin
