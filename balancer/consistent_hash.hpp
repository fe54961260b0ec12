// `hash`: consistent hashing on a ring of virtual nodes, so a client key
// (e.g. its address) keeps its server, and when a server stops being usable
// only the keys that were on it move. Also the hash proxies use for keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "balancer/selector.hpp"

namespace sy::balancer {

// A well-mixed 64-bit hash (FNV-1a, then a splitmix64 finalizer so that
// similar inputs such as neighbouring IP addresses land far apart). Stable
// across runs and builds: keys keep their server over restarts.
uint64_t hash_bytes(std::span<const std::byte> bytes);
uint64_t hash_string(std::string_view text);

class ConsistentHashSelector final : public Selector {
 public:
  // Virtual nodes per server at weight 100; scaled by weight, at least one.
  static constexpr unsigned points_per_weight_100 = 160;

  // Builds the ring: every server with weight > 0, both tiers; eligibility
  // is checked while walking, so health and drain do not reshape the ring.
  explicit ConsistentHashSelector(const BackendView& backend);
  std::optional<size_t> pick(const PickRequest& request) override;

 private:
  struct RingPoint {
    uint64_t position;
    size_t server;  // index into BackendView::servers
  };
  std::vector<RingPoint> ring_;  // sorted by position
};

}  // namespace sy::balancer
