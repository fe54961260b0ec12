// Counters of one listener, shared by all workers; owned by the control
// thread, which keeps them across reloads while the listener exists.
#pragma once

#include <atomic>
#include <cstdint>

namespace sy::core {

struct ListenerCounters {
  std::atomic<int64_t> active{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};  // over max_connections: accepted and closed at once
};

}  // namespace sy::core
