// Smooth weighted round robin; see round_robin.hpp. Each pick raises every
// eligible server by its weight, takes the highest and lowers it by the sum,
// which spreads a server's share evenly over every `sum` picks.
#include "balancer/round_robin.hpp"

namespace sy::balancer {

RoundRobinSelector::RoundRobinSelector(const BackendView& backend)
    : Selector(backend), current_weight_(backend.servers.size(), 0) {}

std::optional<size_t> RoundRobinSelector::pick(const PickRequest& request) {
  std::optional<size_t> best;
  int64_t total = 0;
  for (size_t i = 0; i < backend_.servers.size(); ++i) {
    if (!eligible(i, request)) continue;
    int64_t weight = backend_.servers[i].weight;
    current_weight_[i] += weight;
    total += weight;
    // Strictly greater: on a tie the earlier server wins, as in nginx, which
    // keeps the sequence deterministic.
    if (!best || current_weight_[i] > current_weight_[*best]) best = i;
  }
  if (best) current_weight_[*best] -= total;
  return best;
}

}  // namespace sy::balancer
