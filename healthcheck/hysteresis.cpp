// Rise/fall counting; see hysteresis.hpp.
#include "healthcheck/hysteresis.hpp"

namespace sy::health {

bool Hysteresis::observe(bool ok, unsigned rise, unsigned fall) {
  if (ok) {
    failures_ = 0;
    ++successes_;
    if (health_ == balancer::Health::down && successes_ >= rise) {
      health_ = balancer::Health::up;
      return true;
    }
  } else {
    successes_ = 0;
    ++failures_;
    if (health_ == balancer::Health::up && failures_ >= fall) {
      health_ = balancer::Health::down;
      return true;
    }
  }
  return false;
}

void Hysteresis::force(balancer::Health health) {
  health_ = health;
  successes_ = 0;
  failures_ = 0;
}

}  // namespace sy::health
