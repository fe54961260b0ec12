// Ejection time and the ejection cap; see outlier_ejection.hpp.
#include "balancer/outlier_ejection.hpp"

#include <algorithm>

namespace sy::balancer {

std::optional<std::chrono::milliseconds> eject(const conf::OutlierEjection& settings, EjectionState& state,
                                               SteadyTime now, size_t ejected_now, size_t servers) {
  if (state.ejected) return std::nullopt;
  // max_ejected_percent of the servers, rounded down, may be out at once.
  if ((ejected_now + 1) * 100 > servers * settings.max_ejected_percent) return std::nullopt;
  // A server that stayed back longer than the longest ejection starts over.
  if (state.streak > 0 && now - state.returned_at > settings.max_ejection_time) state.streak = 0;
  ++state.streak;
  auto duration = settings.base_ejection_time;
  for (unsigned i = 1; i < state.streak && duration < settings.max_ejection_time; ++i) duration *= 2;
  duration = std::min(duration, settings.max_ejection_time);
  state.ejected = true;
  state.until = now + duration;
  return duration;
}

bool return_if_due(EjectionState& state, SteadyTime now) {
  if (!state.ejected || now < state.until) return false;
  state.ejected = false;
  state.returned_at = now;
  return true;
}

}  // namespace sy::balancer
