// The defaults of the Front interface; see front.hpp.
#include "proxy/core/front.hpp"

#include "proxy/core/socket.hpp"

namespace sy::core {

void Front::reject(Socket* client) { client->close(); }

}  // namespace sy::core
