// Outlier ejection: back-off that doubles up to the maximum, resets after a
// quiet spell, and the cap on how many servers may be out at once.
#include <doctest/doctest.h>

#include "balancer/outlier_ejection.hpp"

using namespace sy::balancer;
using namespace std::chrono_literals;

namespace {

sy::conf::OutlierEjection settings() {
  sy::conf::OutlierEjection s;
  s.base_ejection_time = 10s;
  s.max_ejection_time = 60s;
  s.max_ejected_percent = 50;
  return s;
}

}  // namespace

TEST_CASE("outlier ejection: each ejection soon after the last lasts twice as long, up to the maximum") {
  EjectionState state;
  SteadyTime now{};
  std::vector<std::chrono::milliseconds> durations;
  for (int i = 0; i < 5; ++i) {
    auto duration = eject(settings(), state, now, 0, 4);
    REQUIRE(duration);
    durations.push_back(*duration);
    CHECK(state.ejected);
    CHECK_FALSE(return_if_due(state, now + *duration - 1ms));
    now += *duration;
    CHECK(return_if_due(state, now));
    CHECK_FALSE(state.ejected);
    now += 1s;  // fails again soon after coming back
  }
  CHECK(durations == std::vector<std::chrono::milliseconds>{10s, 20s, 40s, 60s, 60s});
}

TEST_CASE("outlier ejection: a server that behaved for a while starts over at the base time") {
  EjectionState state;
  SteadyTime now{};
  REQUIRE(eject(settings(), state, now, 0, 4) == 10s);
  now += 10s;
  REQUIRE(return_if_due(state, now));
  now += 61s;  // longer than max_ejection_time
  CHECK(eject(settings(), state, now, 0, 4) == 10s);
}

TEST_CASE("outlier ejection: never more than max_ejected_percent of the servers") {
  EjectionState a, b, c;
  SteadyTime now{};
  CHECK(eject(settings(), a, now, 0, 4));
  CHECK(eject(settings(), b, now, 1, 4));
  CHECK_FALSE(eject(settings(), c, now, 2, 4));  // 3 of 4 would be 75%
  CHECK_FALSE(c.ejected);
  EjectionState alone;
  CHECK_FALSE(eject(settings(), alone, now, 0, 1));  // 1 of 1 is 100%
  auto everything = settings();
  everything.max_ejected_percent = 100;
  CHECK(eject(everything, alone, now, 0, 1));
  CHECK_FALSE(eject(everything, alone, now, 1, 1));  // already out
}
