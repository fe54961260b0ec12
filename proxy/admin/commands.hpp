// The admin command table and its dispatcher. Each command is one row:
// its words, its arguments, its help text and its handler.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sy::control {
class Control;
}

namespace sy::admin {

struct Reply {
  bool ok = true;
  std::string text;
};

using Respond = std::function<void(Reply)>;

// Runs one command line ("show servers --json", "drain app/app2") on the
// control thread. `respond` is called once, at once or (for commands that
// ask the workers) later from the control loop.
void execute(sy::control::Control& control, std::string_view line, Respond respond);

}  // namespace sy::admin
