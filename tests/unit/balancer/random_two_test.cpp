// Power of two choices: with equal load the shares follow the weights, and a
// loaded server is avoided. Fixed seeds make every run draw the same numbers.
#include <doctest/doctest.h>

#include "balancer/random_two.hpp"
#include "fixture.hpp"

using namespace sy::balancer;
using sy::balancer::testing::BackendFixture;
using sy::balancer::testing::count_picks;
using sy::conf::BalanceAlgorithm;

namespace {

double share(const std::vector<size_t>& counts, size_t index, size_t picks) {
  return static_cast<double>(counts[index]) / static_cast<double>(picks);
}

}  // namespace

TEST_CASE("random_two: with equal load the shares follow the weights") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 200, 300, 400});
  for (uint64_t seed : {1u, 42u, 20240601u}) {
    CAPTURE(seed);
    RandomTwoSelector selector(backend.view(), seed);
    const size_t picks = 100000;
    auto counts = count_picks(selector, backend.size(), picks);
    CHECK(share(counts, 0, picks) == doctest::Approx(0.10).epsilon(0.05));
    CHECK(share(counts, 1, picks) == doctest::Approx(0.20).epsilon(0.05));
    CHECK(share(counts, 2, picks) == doctest::Approx(0.30).epsilon(0.05));
    CHECK(share(counts, 3, picks) == doctest::Approx(0.40).epsilon(0.05));
    CHECK(counts[4] == 0);
  }
}

TEST_CASE("random_two: a busy server only wins when drawn against another busy one") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 100, 100, 100});
  backend.set_active(0, 50);
  backend.set_active(1, 50);
  RandomTwoSelector selector(backend.view(), 7);
  const size_t picks = 100000;
  auto counts = count_picks(selector, backend.size(), picks);
  // The pair {0,1} is drawn 1 time in 6; either wins it half the time.
  CHECK(share(counts, 0, picks) == doctest::Approx(1.0 / 12).epsilon(0.08));
  CHECK(share(counts, 1, picks) == doctest::Approx(1.0 / 12).epsilon(0.08));
  CHECK(share(counts, 2, picks) == doctest::Approx(5.0 / 12).epsilon(0.04));
  CHECK(share(counts, 3, picks) == doctest::Approx(5.0 / 12).epsilon(0.04));
}

TEST_CASE("random_two: the single most loaded server gets nothing") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 100, 100});
  backend.set_active(0, 10);
  RandomTwoSelector selector(backend.view(), 3);
  auto counts = count_picks(selector, backend.size(), 30000);
  CHECK(counts[0] == 0);
  CHECK(counts[1] == doctest::Approx(15000).epsilon(0.03));
  CHECK(counts[2] == doctest::Approx(15000).epsilon(0.03));
}

TEST_CASE("random_two: load is compared per unit of weight") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 400});
  // 10/100 = 0.1 against 30/400 = 0.075: the heavy server always wins.
  backend.set_active(0, 10);
  backend.set_active(1, 30);
  RandomTwoSelector selector(backend.view(), 11);
  auto counts = count_picks(selector, backend.size(), 1000);
  CHECK(counts[1] == 1000);
}

TEST_CASE("random_two: connections that stay open end up near the weight ratio") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 300});
  RandomTwoSelector selector(backend.view(), 5);
  for (int n = 0; n < 4000; ++n) {
    auto index = selector.pick({});
    REQUIRE(index.has_value());
    backend.server(*index).counters->active.fetch_add(1);
  }
  CHECK(backend.server(0).counters->active.load() == doctest::Approx(1000).epsilon(0.02));
  CHECK(backend.server(1).counters->active.load() == doctest::Approx(3000).epsilon(0.02));
}

TEST_CASE("random_two: one eligible server is returned directly; none gives nothing") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 100, 100});
  backend.set_health(0, Health::down);
  backend.set_admin(2, AdminState::maint);
  RandomTwoSelector selector(backend.view(), 9);
  auto counts = count_picks(selector, backend.size(), 100);
  CHECK(counts[1] == 100);

  const size_t excluded[] = {1};
  CHECK_FALSE(selector.pick({.excluded = excluded}).has_value());
}

TEST_CASE("random_two: excluded servers are never picked") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 100, 100, 100});
  RandomTwoSelector selector(backend.view(), 13);
  const size_t excluded[] = {0, 2};
  auto counts = count_picks(selector, backend.size(), 10000, {.excluded = excluded});
  CHECK(counts[0] == 0);
  CHECK(counts[2] == 0);
  CHECK(counts[1] == doctest::Approx(5000).epsilon(0.05));
  CHECK(counts[3] == doctest::Approx(5000).epsilon(0.05));
}

TEST_CASE("random_two: selectors built by make_selector draw differently") {
  BackendFixture backend(BalanceAlgorithm::random_two, {100, 100, 100, 100});
  auto first = backend.selector();
  auto second = backend.selector();
  std::vector<size_t> a, b;
  for (int n = 0; n < 64; ++n) {
    a.push_back(first->pick({}).value());
    b.push_back(second->pick({}).value());
  }
  // Same sequence of 64 picks out of 4 by chance: about 4^-64.
  CHECK(a != b);
}
