// Weighted least connections: the least loaded server per unit of weight
// wins, weight counts even when idle, and equal servers take turns.
#include <doctest/doctest.h>

#include "balancer/least_conn.hpp"
#include "fixture.hpp"

using namespace sy::balancer;
using sy::balancer::testing::BackendFixture;
using sy::balancer::testing::count_picks;
using sy::conf::BalanceAlgorithm;

TEST_CASE("least_conn: picks the server with the fewest active connections") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 100, 100});
  backend.set_active(0, 5);
  backend.set_active(1, 2);
  backend.set_active(2, 7);
  LeastConnSelector selector(backend.view());
  auto counts = count_picks(selector, backend.size(), 10);
  CHECK(counts[1] == 10);
}

TEST_CASE("least_conn: compares load per unit of weight") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 300});
  LeastConnSelector selector(backend.view());

  // (10+1)/100 = 0.11 against (20+1)/300 = 0.07: the heavier one.
  backend.set_active(0, 10);
  backend.set_active(1, 20);
  CHECK(selector.pick({}) == 1);

  // (10+1)/100 = 0.11 against (35+1)/300 = 0.12: the lighter one.
  backend.set_active(1, 35);
  CHECK(selector.pick({}) == 0);
}

TEST_CASE("least_conn: idle servers are told apart by weight") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 300});
  LeastConnSelector selector(backend.view());
  // Connections that end before the next one starts all go to the heavier.
  auto counts = count_picks(selector, backend.size(), 50);
  CHECK(counts[0] == 0);
  CHECK(counts[1] == 50);
}

TEST_CASE("least_conn: connections that stay open end up in the weight ratio") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {1, 2, 5});
  LeastConnSelector selector(backend.view());
  for (int n = 0; n < 8000; ++n) {
    auto index = selector.pick({});
    REQUIRE(index.has_value());
    backend.server(*index).counters->active.fetch_add(1);
  }
  CHECK(backend.server(0).counters->active.load() == doctest::Approx(1000).epsilon(0.002));
  CHECK(backend.server(1).counters->active.load() == doctest::Approx(2000).epsilon(0.002));
  CHECK(backend.server(2).counters->active.load() == doctest::Approx(5000).epsilon(0.002));
}

TEST_CASE("least_conn: equal servers take turns") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 100, 100});
  LeastConnSelector selector(backend.view());
  CHECK(selector.pick({}) == 0);
  CHECK(selector.pick({}) == 1);
  CHECK(selector.pick({}) == 2);
  CHECK(selector.pick({}) == 0);

  auto counts = count_picks(selector, backend.size(), 299);
  CHECK(counts[0] == 99);  // 0 was picked once more above
  CHECK(counts[1] == 100);
  CHECK(counts[2] == 100);
}

TEST_CASE("least_conn: turns skip a server that is out, without favouring its neighbour") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 100, 100});
  backend.set_health(1, Health::down);
  LeastConnSelector selector(backend.view());
  auto counts = count_picks(selector, backend.size(), 1000);
  CHECK(counts[0] == 500);
  CHECK(counts[1] == 0);
  CHECK(counts[2] == 500);
}

TEST_CASE("least_conn: excluded, drained and zero-weight servers are never picked") {
  BackendFixture backend(BalanceAlgorithm::least_conn, {100, 100, 0, 100});
  backend.set_active(0, 50);  // would lose anyway; it must still win over nothing
  backend.set_admin(3, AdminState::drain);
  LeastConnSelector selector(backend.view());
  const size_t excluded[] = {1};
  auto counts = count_picks(selector, backend.size(), 100, {.excluded = excluded});
  CHECK(counts[0] == 100);

  const size_t both[] = {0, 1};
  CHECK_FALSE(selector.pick({.excluded = both}).has_value());
}
