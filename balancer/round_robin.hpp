// `round_robin`: smooth weighted round robin (the nginx algorithm). Servers
// get picks in proportion to their weight, interleaved rather than in bursts.
// The running "current weights" are per worker, like the Selector itself.
#pragma once

#include <cstdint>
#include <vector>

#include "balancer/selector.hpp"

namespace sy::balancer {

class RoundRobinSelector final : public Selector {
 public:
  explicit RoundRobinSelector(const BackendView& backend);
  std::optional<size_t> pick(const PickRequest& request) override;

 private:
  // One per server in BackendView::servers order; only eligible servers'
  // entries move during a pick, so a server left out keeps its place.
  std::vector<int64_t> current_weight_;
};

}  // namespace sy::balancer
