// The hash ring and the key hash; see consistent_hash.hpp. A key goes to the
// first eligible server clockwise from its position, so taking a server out
// hands its keys to its ring neighbours and leaves every other key alone.
#include "balancer/consistent_hash.hpp"

#include <algorithm>
#include <string>

namespace sy::balancer {

namespace {

// splitmix64's finalizer: every input bit flips about half the output bits.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t hash_bytes(std::span<const std::byte> bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (std::byte b : bytes) {
    h ^= static_cast<uint64_t>(b);
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  return mix64(h);
}

uint64_t hash_string(std::string_view text) { return hash_bytes(std::as_bytes(std::span(text))); }

ConsistentHashSelector::ConsistentHashSelector(const BackendView& backend) : Selector(backend) {
  std::string label;
  for (size_t i = 0; i < backend.servers.size(); ++i) {
    const ServerView& server = backend.servers[i];
    if (server.weight == 0) continue;
    // Positions depend only on the server's name and point number, so a
    // server keeps its arcs whatever happens to the others.
    unsigned points = std::max(1u, server.weight * points_per_weight_100 / 100);
    for (unsigned point = 0; point < points; ++point) {
      label = server.name();
      label += '#';
      label += std::to_string(point);
      ring_.push_back({hash_string(label), i});
    }
  }
  std::sort(ring_.begin(), ring_.end(), [](const RingPoint& a, const RingPoint& b) {
    return a.position != b.position ? a.position < b.position : a.server < b.server;
  });
}

std::optional<size_t> ConsistentHashSelector::pick(const PickRequest& request) {
  if (ring_.empty()) return std::nullopt;
  // Mixed again so that callers may pass raw, poorly spread keys.
  uint64_t position = mix64(request.hash_key);
  auto start = std::lower_bound(ring_.begin(), ring_.end(), position,
                                [](const RingPoint& point, uint64_t p) { return point.position < p; });
  size_t first = static_cast<size_t>(start - ring_.begin());
  for (size_t step = 0; step < ring_.size(); ++step) {
    size_t i = first + step;
    if (i >= ring_.size()) i -= ring_.size();
    if (eligible(ring_[i].server, request)) return ring_[i].server;
  }
  return std::nullopt;
}

}  // namespace sy::balancer
