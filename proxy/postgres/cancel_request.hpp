// Sends a CancelRequest to a PostgreSQL server on a connection of its own
// (as the protocol wants) and forgets about it.
#pragma once

#include <cstdint>

#include "conf/address.hpp"

namespace sy::core {
class Worker;
}

namespace sy::postgres {

void send_cancel_request(core::Worker& worker, const conf::Address& server, int32_t process_id, int32_t secret_key);

}  // namespace sy::postgres
