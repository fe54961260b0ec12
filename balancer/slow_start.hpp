// Slow start: a server that comes back (health up again, or set ready after
// drain/maint) does not take its full share at once. Its effective weight
// ramps linearly from a twentieth of its weight to all of it over the
// backend's slow_start window. Pure, so the ramp is tested without a clock;
// the control thread re-publishes the snapshot at each step.
#pragma once

#include <chrono>

namespace sy::balancer {

// Where the ramp starts, as a fraction of the full weight: a returning
// server gets a little traffic at once, enough to warm up.
inline constexpr unsigned kSlowStartFirstShare = 20;  // 1/20

// The effective weight `elapsed` into a ramp of `window` towards `weight`:
// never 0 for a positive weight, `weight` once the window has passed (or
// when window is 0: slow start off).
unsigned slow_start_weight(unsigned weight, std::chrono::milliseconds elapsed, std::chrono::milliseconds window);

// How long a published ramp weight stands before the next: a twentieth of
// the window, no shorter than 100ms (a bounded rate of snapshots) and no
// longer than 5s (a ramp of minutes still moves in visible steps).
std::chrono::milliseconds slow_start_step(std::chrono::milliseconds window);

}  // namespace sy::balancer
