// Passive outlier ejection, the pure part: how long a server that failed
// `consecutive_failures` requests in a row stays out, growing with each
// ejection that follows soon after the last one, and never so many at once
// that the backend loses more than max_ejected_percent of its servers. The
// control thread keeps one EjectionState per server and applies the verdict.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "conf/http_config.hpp"

namespace sy::balancer {

using SteadyTime = std::chrono::steady_clock::time_point;

struct EjectionState {
  bool ejected = false;
  SteadyTime until{};        // while ejected: when it returns
  SteadyTime returned_at{};  // when the last ejection ended
  unsigned streak = 0;       // ejections close together; sets the back-off
};

// How long to eject now (and the state updated), or nullopt when ejecting
// would take out more than the allowed share (`ejected_now` of `servers`
// are out already); the state is then unchanged.
std::optional<std::chrono::milliseconds> eject(const conf::OutlierEjection& settings, EjectionState& state,
                                               SteadyTime now, size_t ejected_now, size_t servers);

// Ends an ejection whose time is up; true when it did.
bool return_if_due(EjectionState& state, SteadyTime now);

}  // namespace sy::balancer
