// One command's bytes as the proxy forwards them: a sub-slice of the read
// it came in (no copy) or bytes of its own (a command that was cut by the
// end of a read, or one the proxy wrote, like an inline command re-encoded).
// A command in flight keeps its bytes, so that it can be sent again to a
// new master when the old one answered -READONLY (it was not executed).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/core/buffer.hpp"
#include "proxy/core/socket.hpp"

namespace sy::redis {

struct Command {
  core::Slice slice;  // when owned is empty
  std::string owned;

  static Command of(core::Slice slice) { return Command{std::move(slice), {}}; }
  static Command of(std::string bytes) { return Command{{}, std::move(bytes)}; }
  std::string_view view() const { return owned.empty() ? slice.view() : std::string_view(owned); }
  size_t size() const { return owned.empty() ? slice.length : owned.size(); }
};

// Writes `queue` to `socket` in as few writes as it can (slices of one read
// that are back to back become one), and empties it.
void write_commands(core::Socket& socket, std::vector<Command>& queue);

}  // namespace sy::redis
