// Weighted least connections; see least_conn.hpp. Loads are compared as
// (active + 1) / weight by cross-multiplying, so no floating point. The + 1
// (HAProxy does the same) makes weight count even when servers are idle:
// plain active / weight would call every idle server equal and spread
// low-concurrency traffic evenly whatever the weights.
#include "balancer/least_conn.hpp"

#include <algorithm>
#include <atomic>

namespace sy::balancer {

namespace {

// Active connections including the one being placed. The counter is shared
// with other workers; a slightly stale value is fine, so relaxed is enough.
int64_t load_with_new_connection(const ServerView& server) {
  return std::max<int64_t>(0, server.counters->active.load(std::memory_order_relaxed)) + 1;
}

}  // namespace

std::optional<size_t> LeastConnSelector::pick(const PickRequest& request) {
  const size_t count = backend_.servers.size();
  std::optional<size_t> best;
  int64_t best_load = 0;
  int64_t best_weight = 1;
  // Scanning from just after the previous pick and keeping the first of equals
  // makes tied servers take turns.
  for (size_t step = 0; step < count; ++step) {
    size_t i = start_ + step;
    if (i >= count) i -= count;
    if (!eligible(i, request)) continue;
    int64_t load = load_with_new_connection(backend_.servers[i]);
    int64_t weight = backend_.servers[i].weight;  // > 0: eligible servers are usable
    // load / weight < best_load / best_weight, without division.
    if (!best || load * best_weight < best_load * weight) {
      best = i;
      best_load = load;
      best_weight = weight;
    }
  }
  if (best) start_ = *best + 1 < count ? *best + 1 : 0;
  return best;
}

}  // namespace sy::balancer
