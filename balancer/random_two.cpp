// Power of two choices; see random_two.hpp. Both draws are weighted, and a
// tie in load keeps the first draw, so with equal loads each server's share
// is exactly its weight's share.
#include "balancer/random_two.hpp"

#include <atomic>
#include <random>

namespace sy::balancer {

RandomTwoSelector::RandomTwoSelector(const BackendView& backend)
    : Selector(backend), rng_state_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

RandomTwoSelector::RandomTwoSelector(const BackendView& backend, uint64_t seed)
    : Selector(backend), rng_state_(seed) {}

uint64_t RandomTwoSelector::next_random() {
  // splitmix64: tiny state, good enough statistics for load balancing.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

size_t RandomTwoSelector::server_at(uint64_t offset, const PickRequest& request,
                                    std::optional<size_t> skip) const {
  size_t last = 0;
  for (size_t i = 0; i < backend_.servers.size(); ++i) {
    if (i == skip || !eligible(i, request)) continue;
    last = i;
    uint64_t weight = backend_.servers[i].weight;
    if (offset < weight) return i;
    offset -= weight;
  }
  return last;  // not reached while offset < the weights' sum
}

std::optional<size_t> RandomTwoSelector::pick(const PickRequest& request) {
  uint64_t total_weight = 0;
  size_t eligible_count = 0;
  size_t only = 0;
  for (size_t i = 0; i < backend_.servers.size(); ++i) {
    if (!eligible(i, request)) continue;
    total_weight += backend_.servers[i].weight;
    ++eligible_count;
    only = i;
  }
  if (eligible_count == 0) return std::nullopt;
  if (eligible_count == 1) return only;

  // Modulo bias is below 1e-12 for sums of weights this small.
  size_t first = server_at(next_random() % total_weight, request, std::nullopt);
  size_t second = server_at(next_random() % (total_weight - backend_.servers[first].weight), request, first);

  const ServerView& a = backend_.servers[first];
  const ServerView& b = backend_.servers[second];
  // Other workers update these; a slightly stale count is fine.
  int64_t active_a = a.counters->active.load(std::memory_order_relaxed);
  int64_t active_b = b.counters->active.load(std::memory_order_relaxed);
  // active_b / weight_b < active_a / weight_a, without division.
  return active_b * int64_t{a.weight} < active_a * int64_t{b.weight} ? second : first;
}

}  // namespace sy::balancer
