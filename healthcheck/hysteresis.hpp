// Rise/fall hysteresis, kept pure so it can be tested without any I/O:
// a server goes down after `fall` consecutive failures and up again after
// `rise` consecutive successes.
#pragma once

#include "balancer/server_state.hpp"

namespace sy::health {

class Hysteresis {
 public:
  explicit Hysteresis(balancer::Health initial = balancer::Health::up) : health_(initial) {}

  // Records one check result; returns true when the health flipped.
  bool observe(bool ok, unsigned rise, unsigned fall);
  // Forces a state (passive marking, admin); resets the streaks.
  void force(balancer::Health health);

  balancer::Health health() const { return health_; }
  unsigned successes() const { return successes_; }  // current streak
  unsigned failures() const { return failures_; }    // current streak

 private:
  balancer::Health health_;
  unsigned successes_ = 0;
  unsigned failures_ = 0;
};

}  // namespace sy::health
