// What every admin command handler gets: the control thread's state, its
// arguments, the output format, and the way to answer later.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/commands.hpp"
#include "proxy/admin/table.hpp"

namespace sy::control {
class Control;
}

namespace sy::admin {

struct Request {
  sy::control::Control& control;
  std::vector<std::string_view> args;  // after the command words; valid during the call only
  bool json = false;
  Respond respond;  // for handlers that answer later
};

inline Reply render(const Table& table, bool json) { return {true, json ? table.to_json() : table.to_text()}; }
inline Reply error(std::string message) { return {false, std::move(message) + "\n"}; }

}  // namespace sy::admin
