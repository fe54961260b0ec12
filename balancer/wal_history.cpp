// Replica lag in time from the primary's WAL history; see wal_history.hpp.
#include "balancer/wal_history.hpp"

#include <algorithm>

namespace sy::balancer {

void WalHistory::record(uint64_t now_ms, uint64_t position) {
  if (!samples_.empty()) {
    if (position == samples_.back().position) return;  // the first time it got there is what counts
    if (position < samples_.back().position) samples_.clear();
  }
  samples_.push_back({now_ms, position});
  if (samples_.size() > kMaxSamples) samples_.pop_front();
}

uint64_t WalHistory::lag_ms(uint64_t now_ms, uint64_t replayed) const {
  auto first_past = std::upper_bound(samples_.begin(), samples_.end(), replayed,
                                     [](uint64_t value, const Sample& sample) { return value < sample.position; });
  if (first_past == samples_.end()) return 0;
  return now_ms > first_past->at_ms ? now_ms - first_past->at_ms : 0;
}

}  // namespace sy::balancer
