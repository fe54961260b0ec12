// `random_two`: power of two choices. Two different servers are drawn at
// random in proportion to their weight and the less loaded one wins: close to
// least_conn's balance without every worker herding onto the same server.
#pragma once

#include <cstdint>

#include "balancer/selector.hpp"

namespace sy::balancer {

class RandomTwoSelector final : public Selector {
 public:
  // Seeds from std::random_device, so workers do not draw in lockstep.
  explicit RandomTwoSelector(const BackendView& backend);
  // A fixed seed, for reproducible tests.
  RandomTwoSelector(const BackendView& backend, uint64_t seed);

  std::optional<size_t> pick(const PickRequest& request) override;

 private:
  uint64_t next_random();
  // The eligible server at `offset` into the eligible weights laid end to
  // end, leaving `skip` out.
  size_t server_at(uint64_t offset, const PickRequest& request, std::optional<size_t> skip) const;

  uint64_t rng_state_;  // splitmix64
};

}  // namespace sy::balancer
