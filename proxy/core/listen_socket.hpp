// Creates the listening sockets of one listener: one SO_REUSEPORT socket per
// worker on the same address, so the kernel spreads new connections across
// workers. Port 0 is resolved once (the first socket's port is reused for
// the others), which lets tests ask for an ephemeral port.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "conf/address.hpp"

namespace sy::core {

struct ListenSockets {
  std::vector<int> fds;  // one per worker, already listening
  uint16_t port = 0;     // the actual port
};

std::variant<ListenSockets, std::string> open_listen_sockets(const conf::Address& address, unsigned count);
void close_fds(std::vector<int>& fds);

}  // namespace sy::core
