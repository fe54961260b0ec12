// Counters of one listener, shared by all workers; owned by the control
// thread, which keeps them across reloads while the listener exists.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "tls/session_error.hpp"

namespace sy::core {

struct ListenerCounters {
  std::atomic<int64_t> active{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};  // over max_connections: accepted and closed at once
  std::atomic<uint64_t> accept_pauses{0};  // out of descriptors: stopped accepting for a while
  // HTTP: responses sent to clients by status class ([1] = 1xx ... [5] =
  // 5xx; [0] = the exchange ended with no response), and retries.
  std::array<std::atomic<uint64_t>, 6> http_responses{};
  std::atomic<uint64_t> http_retries{0};
  // TLS: handshakes completed (and how many resumed a session), and the
  // failed ones by reason (indexed by tls::TlsError; [timeout] beside them).
  static constexpr size_t kTlsTimeout = static_cast<size_t>(tls::TlsError::internal) + 1;
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<uint64_t> tls_resumed{0};
  std::array<std::atomic<uint64_t>, kTlsTimeout + 1> tls_failures{};
};

}  // namespace sy::core
