// Live counters of one server, shared by every worker (atomics) and by the
// control thread. One object per server identity ("backend/server"); it
// survives reloads so that connection counts stay right across them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sy::balancer {

struct ServerCounters {
  std::atomic<int64_t> active{0};          // connections (tcp) or requests (http) in flight
  std::atomic<uint64_t> total{0};          // connections handed to this server
  std::atomic<uint64_t> connect_failures{0};
  // Reset by a successful connect; passive health marking reads it.
  std::atomic<uint32_t> consecutive_connect_failures{0};
  // HTTP: requests that got a 5xx or a broken exchange, since the last good
  // one; outlier ejection reads it.
  std::atomic<uint32_t> consecutive_failures{0};
  std::atomic<uint64_t> bytes_in{0};       // from the server
  std::atomic<uint64_t> bytes_out{0};      // to the server
  // HTTP: responses the server sent, by status class ([1] = 1xx ... [5] = 5xx).
  std::array<std::atomic<uint64_t>, 6> http_responses{};
  // PostgreSQL replicas: how far behind the primary (set by the control
  // thread from each role check, read by workers when picking a replica).
  std::atomic<uint64_t> replica_lag_bytes{0};
  std::atomic<uint32_t> replica_lag_ms{0};
};

}  // namespace sy::balancer
