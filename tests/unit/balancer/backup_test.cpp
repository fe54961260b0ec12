// pick_server's tier order for every algorithm: backup servers get work only
// while no primary is usable (down, drained, in maintenance, or already
// tried), and lose it again as soon as one primary is back.
#include <doctest/doctest.h>

#include <string>

#include "balancer/consistent_hash.hpp"
#include "balancer/least_conn.hpp"
#include "balancer/random_two.hpp"
#include "balancer/round_robin.hpp"
#include "fixture.hpp"

using namespace sy::balancer;
using sy::balancer::testing::BackendFixture;
using sy::conf::BalanceAlgorithm;

namespace {

constexpr BalanceAlgorithm all_algorithms[] = {BalanceAlgorithm::round_robin, BalanceAlgorithm::least_conn,
                                               BalanceAlgorithm::random_two, BalanceAlgorithm::hash};

// Servers 0 and 1 are primaries, 2 and 3 backups.
constexpr size_t primaries = 2;

// Picks per server over 400 picks with varied keys (last slot: none).
std::vector<size_t> spread(const BackendFixture& backend, Selector& selector,
                           std::span<const size_t> excluded = {}) {
  std::vector<size_t> counts(backend.size() + 1, 0);
  for (uint64_t key = 0; key < 400; ++key) {
    auto index = pick_server(backend.view(), selector, hash_string(std::to_string(key)), excluded);
    ++counts[index ? *index : backend.size()];
  }
  return counts;
}

size_t primary_picks(const std::vector<size_t>& counts) { return counts[0] + counts[1]; }
size_t backup_picks(const std::vector<size_t>& counts) { return counts[2] + counts[3]; }

}  // namespace

TEST_CASE("make_selector builds the configured algorithm") {
  BackendFixture rr(BalanceAlgorithm::round_robin, {100});
  BackendFixture lc(BalanceAlgorithm::least_conn, {100});
  BackendFixture r2(BalanceAlgorithm::random_two, {100});
  BackendFixture hash(BalanceAlgorithm::hash, {100});
  CHECK(dynamic_cast<RoundRobinSelector*>(rr.selector().get()) != nullptr);
  CHECK(dynamic_cast<LeastConnSelector*>(lc.selector().get()) != nullptr);
  CHECK(dynamic_cast<RandomTwoSelector*>(r2.selector().get()) != nullptr);
  CHECK(dynamic_cast<ConsistentHashSelector*>(hash.selector().get()) != nullptr);
}

// Runs `scenario` once per algorithm on a fresh backend: primaries 0 and 1,
// backups 2 and 3, all up.
template <typename Scenario>
void for_each_algorithm(Scenario scenario) {
  for (BalanceAlgorithm algorithm : all_algorithms) {
    CAPTURE(sy::conf::to_string(algorithm));
    BackendFixture backend(algorithm, {{100, false}, {100, false}, {100, true}, {100, true}});
    auto selector = backend.selector();
    scenario(backend, *selector);
  }
}

TEST_CASE("backup servers: primaries up get everything") {
  for_each_algorithm([](BackendFixture& backend, Selector& selector) {
    auto counts = spread(backend, selector);
    CHECK(primary_picks(counts) == 400);
    CHECK(counts[0] > 0);
    CHECK(counts[1] > 0);
  });
}

TEST_CASE("backup servers: a selector asked for the backup tier gives only backups") {
  for_each_algorithm([](BackendFixture&, Selector& selector) {
    for (uint64_t key = 0; key < 20; ++key) {
      auto index = selector.pick({.hash_key = key, .backup_tier = true});
      REQUIRE(index.has_value());
      CHECK(*index >= primaries);
    }
  });
}

TEST_CASE("backup servers: all primaries down, backups take over; one primary back takes it all") {
  for_each_algorithm([](BackendFixture& backend, Selector& selector) {
    backend.set_health(0, Health::down);
    backend.set_health(1, Health::down);
    auto counts = spread(backend, selector);
    CHECK(backup_picks(counts) == 400);
    CHECK(counts[2] > 0);
    CHECK(counts[3] > 0);

    backend.set_health(1, Health::up);
    counts = spread(backend, selector);
    CHECK(counts[1] == 400);
  });
}

TEST_CASE("backup servers: primaries drained or in maintenance, backups; one ready again takes it all") {
  for_each_algorithm([](BackendFixture& backend, Selector& selector) {
    backend.set_admin(0, AdminState::drain);
    backend.set_admin(1, AdminState::maint);
    auto counts = spread(backend, selector);
    CHECK(backup_picks(counts) == 400);

    backend.set_admin(0, AdminState::ready);
    counts = spread(backend, selector);
    CHECK(counts[0] == 400);
  });
}

TEST_CASE("backup servers: usable primaries all tried already (retries), backups") {
  for_each_algorithm([](BackendFixture& backend, Selector& selector) {
    const size_t tried[] = {0, 1};
    auto counts = spread(backend, selector, tried);
    CHECK(backup_picks(counts) == 400);

    const size_t one_tried[] = {0};
    counts = spread(backend, selector, one_tried);
    CHECK(counts[1] == 400);
  });
}

TEST_CASE("backup servers: nothing usable in either tier, no server") {
  for_each_algorithm([](BackendFixture& backend, Selector& selector) {
    for (size_t i = 0; i < backend.size(); ++i) backend.set_health(i, Health::down);
    auto counts = spread(backend, selector);
    CHECK(counts[backend.size()] == 400);
  });
}

TEST_CASE("pick_server without backups returns nothing when the primaries are out") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {100, 100});
  backend.set_health(0, Health::down);
  backend.set_admin(1, AdminState::drain);
  auto selector = backend.selector();
  CHECK_FALSE(pick_server(backend.view(), *selector, 0).has_value());
}
