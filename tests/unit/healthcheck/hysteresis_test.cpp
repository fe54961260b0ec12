// Rise/fall hysteresis: a server flips down after exactly `fall` failures in
// a row and up after exactly `rise` successes in a row; anything else in
// between restarts the count.
#include <doctest/doctest.h>

#include "healthcheck/hysteresis.hpp"

using sy::balancer::Health;
using sy::health::Hysteresis;

namespace {
constexpr unsigned rise = 2;
constexpr unsigned fall = 3;
}  // namespace

TEST_CASE("hysteresis: starts up unless told otherwise") {
  CHECK(Hysteresis().health() == Health::up);
  CHECK(Hysteresis(Health::down).health() == Health::down);
}

TEST_CASE("hysteresis: up goes down after exactly `fall` failures, not before") {
  Hysteresis state;
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.health() == Health::up);
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.health() == Health::up);
  CHECK(state.failures() == 2);
  CHECK(state.observe(false, rise, fall));  // the third one flips it
  CHECK(state.health() == Health::down);
  // Further failures report no new flip.
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.health() == Health::down);
}

TEST_CASE("hysteresis: down goes up after exactly `rise` successes, not before") {
  Hysteresis state(Health::down);
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK(state.health() == Health::down);
  CHECK(state.successes() == 1);
  CHECK(state.observe(true, rise, fall));
  CHECK(state.health() == Health::up);
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK(state.health() == Health::up);
}

TEST_CASE("hysteresis: a success in between resets the failure streak") {
  Hysteresis state;
  state.observe(false, rise, fall);
  state.observe(false, rise, fall);
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK(state.failures() == 0);
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.health() == Health::up);  // 2 in a row, not 4 in total
  CHECK(state.observe(false, rise, fall));
  CHECK(state.health() == Health::down);
}

TEST_CASE("hysteresis: a failure in between resets the success streak") {
  Hysteresis state(Health::down);
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.successes() == 0);
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK(state.health() == Health::down);
  CHECK(state.observe(true, rise, fall));
  CHECK(state.health() == Health::up);
}

TEST_CASE("hysteresis: rise = fall = 1 flips on every change") {
  Hysteresis state;
  CHECK(state.observe(false, 1, 1));
  CHECK(state.health() == Health::down);
  CHECK(state.observe(true, 1, 1));
  CHECK(state.health() == Health::up);
  CHECK_FALSE(state.observe(true, 1, 1));
}

TEST_CASE("hysteresis: force() sets the state and restarts both streaks") {
  Hysteresis state;
  state.observe(false, rise, fall);
  state.observe(false, rise, fall);
  state.force(Health::down);  // e.g. passive marking after connect failures
  CHECK(state.health() == Health::down);
  CHECK(state.failures() == 0);
  CHECK(state.successes() == 0);
  // Coming back still takes the full `rise`.
  CHECK_FALSE(state.observe(true, rise, fall));
  CHECK(state.observe(true, rise, fall));
  CHECK(state.health() == Health::up);

  state.observe(false, rise, fall);
  state.observe(false, rise, fall);
  state.force(Health::up);
  CHECK(state.failures() == 0);
  // The two failures before force() no longer count.
  CHECK_FALSE(state.observe(false, rise, fall));
  CHECK(state.health() == Health::up);
}
