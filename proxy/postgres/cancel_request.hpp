// Sends a CancelRequest to a PostgreSQL server on a connection of its own
// (as the protocol wants), and says when that connection is over: the
// server has then acted on it (or never will).
#pragma once

#include <functional>

#include <cstdint>

#include "conf/address.hpp"

namespace sy::core {
class Worker;
}

namespace sy::postgres {

// `done` (may be empty) runs on the worker's loop when the request's
// connection has closed, at the latest kCancelRequestTimeoutMs after the call.
inline constexpr uint64_t kCancelRequestTimeoutMs = 5000;
void send_cancel_request(core::Worker& worker, const conf::Address& server, int32_t process_id, int32_t secret_key,
                         std::function<void()> done = {});

}  // namespace sy::postgres
