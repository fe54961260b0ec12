// Linear weight ramp after a server's return; see slow_start.hpp.
#include "balancer/slow_start.hpp"

#include <algorithm>

namespace sy::balancer {

unsigned slow_start_weight(unsigned weight, std::chrono::milliseconds elapsed, std::chrono::milliseconds window) {
  if (window.count() <= 0 || elapsed >= window || weight == 0) return weight;
  int64_t ms = std::max<int64_t>(0, elapsed.count());
  // ceil(weight * elapsed / window), in integers: no float drift at the ends.
  uint64_t ramped = (static_cast<uint64_t>(weight) * static_cast<uint64_t>(ms) + window.count() - 1) /
                    static_cast<uint64_t>(window.count());
  uint64_t first = (weight + kSlowStartFirstShare - 1) / kSlowStartFirstShare;
  return static_cast<unsigned>(std::clamp<uint64_t>(ramped, first, weight));
}

std::chrono::milliseconds slow_start_step(std::chrono::milliseconds window) {
  return std::clamp(window / 20, std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
}

}  // namespace sy::balancer
