// `least_conn`: weighted least connections. The next connection goes to the
// server whose load per unit of weight would be lowest with it added; equal
// candidates take turns so they share the load.
#pragma once

#include <cstddef>

#include "balancer/selector.hpp"

namespace sy::balancer {

class LeastConnSelector final : public Selector {
 public:
  explicit LeastConnSelector(const BackendView& backend) : Selector(backend) {}
  std::optional<size_t> pick(const PickRequest& request) override;

 private:
  size_t start_ = 0;  // where the next scan begins: just after the last pick
};

}  // namespace sy::balancer
