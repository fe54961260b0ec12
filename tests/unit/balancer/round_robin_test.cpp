// Smooth weighted round robin: exact shares, nginx's interleaving, and which
// servers must never be picked.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "balancer/round_robin.hpp"
#include "fixture.hpp"

using namespace sy::balancer;
using sy::balancer::testing::BackendFixture;
using sy::balancer::testing::count_picks;
using sy::conf::BalanceAlgorithm;

namespace {

// Picks as letters ('a' = server 0), '-' for none: easy to compare and read.
std::string sequence(Selector& selector, size_t picks, const PickRequest& request = {}) {
  std::string out;
  for (size_t n = 0; n < picks; ++n) {
    auto index = selector.pick(request);
    out += index ? static_cast<char>('a' + *index) : '-';
  }
  return out;
}

}  // namespace

TEST_CASE("round_robin: weights 1:2:5 over 8000 picks give exactly 1000/2000/5000") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {1, 2, 5});
  RoundRobinSelector selector(backend.view());
  auto counts = count_picks(selector, backend.size(), 8000);
  CHECK(counts[0] == 1000);
  CHECK(counts[1] == 2000);
  CHECK(counts[2] == 5000);
  CHECK(counts[3] == 0);  // never "no server"
}

TEST_CASE("round_robin: weights 5,1,1 interleave as nginx does") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {5, 1, 1});
  RoundRobinSelector selector(backend.view());
  // The cycle repeats exactly every sum-of-weights picks.
  CHECK(sequence(selector, 14) == "aabacaaaabacaa");
}

TEST_CASE("round_robin: weights 1:2:5 never put the heavy server more than twice in a row") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {1, 2, 5});
  RoundRobinSelector selector(backend.view());
  std::string picks = sequence(selector, 800);
  CHECK(picks.substr(0, 8) == "cbcaccbc");
  CHECK(picks.find("ccc") == std::string::npos);
  CHECK(picks.find("bb") == std::string::npos);
  CHECK(picks.find("aa") == std::string::npos);
  // Every aligned window of 8 picks holds the exact shares.
  for (size_t window = 0; window < picks.size(); window += 8) {
    std::string part = picks.substr(window, 8);
    INFO("window at " << window << ": " << part);
    CHECK(std::count(part.begin(), part.end(), 'a') == 1);
    CHECK(std::count(part.begin(), part.end(), 'b') == 2);
    CHECK(std::count(part.begin(), part.end(), 'c') == 5);
  }
}

TEST_CASE("round_robin: equal weights alternate strictly") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {100, 100, 100});
  RoundRobinSelector selector(backend.view());
  CHECK(sequence(selector, 9) == "abcabcabc");
}

TEST_CASE("round_robin: excluded servers are never picked; the rest keep their ratio") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {1, 2, 5});
  RoundRobinSelector selector(backend.view());
  const size_t excluded[] = {2};
  auto counts = count_picks(selector, backend.size(), 3000, {.excluded = excluded});
  CHECK(counts[0] == 1000);
  CHECK(counts[1] == 2000);
  CHECK(counts[2] == 0);

  const size_t all[] = {0, 1, 2};
  CHECK_FALSE(selector.pick({.excluded = all}).has_value());
}

TEST_CASE("round_robin: zero-weight, drained, maint and down servers are never picked") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {0, 100, 100, 100, 100});
  backend.set_admin(2, AdminState::drain);
  backend.set_admin(3, AdminState::maint);
  backend.set_health(4, Health::down);
  RoundRobinSelector selector(backend.view());
  auto counts = count_picks(selector, backend.size(), 1000);
  CHECK(counts[0] == 0);
  CHECK(counts[1] == 1000);
  CHECK(counts[2] == 0);
  CHECK(counts[3] == 0);
  CHECK(counts[4] == 0);

  backend.set_health(1, Health::down);
  CHECK_FALSE(selector.pick({}).has_value());
}

TEST_CASE("round_robin: a server that comes back shares again at its weight") {
  BackendFixture backend(BalanceAlgorithm::round_robin, {100, 300});
  RoundRobinSelector selector(backend.view());
  backend.set_health(1, Health::down);
  auto while_down = count_picks(selector, backend.size(), 100);
  CHECK(while_down[0] == 100);
  CHECK(while_down[1] == 0);

  backend.set_health(1, Health::up);
  auto after = count_picks(selector, backend.size(), 4000);
  // The state left from the outage shifts at most one cycle's worth.
  CHECK(after[0] >= 995);
  CHECK(after[0] <= 1005);
  CHECK(after[0] + after[1] == 4000);
}
