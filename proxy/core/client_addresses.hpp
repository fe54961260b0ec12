// Who a client session is for: the client's address and the address it
// connected to. Given by the PROXY protocol header when the listener has
// accept_proxy (the load balancer in front then owns the socket's peer
// address), otherwise read from the socket — only when a session needs them
// (hashing, X-Forwarded-For, logs, a PROXY header sent on), since that costs
// two system calls.
#pragma once

#include <sys/socket.h>

#include "proxy/core/socket.hpp"

namespace sy::core {

struct ClientAddresses {
  sockaddr_storage source{};
  sockaddr_storage destination{};
  bool known = false;

  // Fills in the socket's addresses unless they are known already.
  const ClientAddresses& resolve(const Socket& socket) {
    if (!known) {
      socket.peer_address(source);
      socket.local_address(destination);
      known = true;
    }
    return *this;
  }
};

}  // namespace sy::core
