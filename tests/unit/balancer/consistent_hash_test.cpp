// Consistent hashing: a key keeps its server, the spread is even and follows
// weight, and taking a server out moves exactly the keys that were on it.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <optional>

#include "balancer/consistent_hash.hpp"
#include "fixture.hpp"

using namespace sy::balancer;
using sy::balancer::testing::BackendFixture;
using sy::conf::BalanceAlgorithm;

namespace {

constexpr size_t key_count = 10000;

// Keys shaped like what proxies pass: the hash of a client address.
uint64_t client_key(size_t n) {
  std::array<std::byte, 4> ipv4{std::byte{10}, std::byte(n >> 16), std::byte(n >> 8), std::byte(n)};
  return hash_bytes(ipv4);
}

std::vector<size_t> assign(Selector& selector) {
  std::vector<size_t> owner(key_count);
  for (size_t n = 0; n < key_count; ++n) owner[n] = selector.pick({.hash_key = client_key(n)}).value();
  return owner;
}

std::vector<size_t> tally(const std::vector<size_t>& owner, size_t servers) {
  std::vector<size_t> counts(servers, 0);
  for (size_t server : owner) ++counts[server];
  return counts;
}

}  // namespace

TEST_CASE("hash: hash_string and hash_bytes are stable and agree") {
  // Pinned (values from an independent FNV-1a + splitmix64 reference):
  // changing the function would move every client to another server after
  // an upgrade.
  CHECK(hash_string("") == 0xf52a15e9a9b5e89bULL);
  CHECK(hash_string("10.0.0.1") == 0x7fb1b600f0f5c6d3ULL);
  CHECK(hash_string("10.0.0.1") == hash_bytes(std::as_bytes(std::span("10.0.0.1", 8))));
  CHECK(hash_string("10.0.0.1") != hash_string("10.0.0.2"));
}

TEST_CASE("hash: the same key goes to the same server, across selectors") {
  BackendFixture backend(BalanceAlgorithm::hash, {100, 100, 100, 100, 100});
  auto first = backend.selector();
  auto second = backend.selector();
  auto owner = assign(*first);
  CHECK(assign(*first) == owner);
  CHECK(assign(*second) == owner);
  // Raw, badly spread keys are mixed before use: 0..9 do not all land together.
  std::vector<size_t> small;
  for (uint64_t key = 0; key < 10; ++key) small.push_back(first->pick({.hash_key = key}).value());
  CHECK(std::count(small.begin(), small.end(), small[0]) < 10);
}

TEST_CASE("hash: 5 equal servers each get 20% +- 5% of 10000 keys") {
  BackendFixture backend(BalanceAlgorithm::hash, {100, 100, 100, 100, 100});
  ConsistentHashSelector selector(backend.view());
  auto counts = tally(assign(selector), backend.size());
  for (size_t server = 0; server < backend.size(); ++server) {
    CAPTURE(server);
    CHECK(counts[server] >= 1500);
    CHECK(counts[server] <= 2500);
  }
}

TEST_CASE("hash: a server going down moves exactly its keys, spread over the rest") {
  BackendFixture backend(BalanceAlgorithm::hash, {100, 100, 100, 100, 100});
  auto before = assign(*backend.selector());
  auto before_counts = tally(before, backend.size());

  backend.set_health(2, Health::down);
  // A new snapshot means a new selector; the ring must come out the same.
  auto after = assign(*backend.selector());

  size_t moved = 0;
  std::vector<size_t> moved_to(backend.size(), 0);
  for (size_t n = 0; n < key_count; ++n) {
    if (before[n] == after[n]) continue;
    ++moved;
    ++moved_to[after[n]];
    CHECK(before[n] == 2);  // only keys that were on the removed server move
  }
  CHECK(moved == before_counts[2]);
  CHECK(moved_to[2] == 0);
  // Its arcs border every other server: none takes the whole load.
  for (size_t server : {0, 1, 3, 4}) {
    CAPTURE(server);
    CHECK(moved_to[server] >= moved / 10);
    CHECK(moved_to[server] <= moved / 2);
  }

  backend.set_health(2, Health::up);
  CHECK(assign(*backend.selector()) == before);  // and they come back
}

TEST_CASE("hash: excluding a key's server sends it where that server's outage would") {
  BackendFixture backend(BalanceAlgorithm::hash, {100, 100, 100, 100});
  ConsistentHashSelector selector(backend.view());
  auto owner = assign(selector);
  for (size_t server = 0; server < backend.size(); ++server) {
    std::vector<std::optional<size_t>> retried;
    for (size_t n = 0; n < key_count; ++n) {
      const size_t excluded[] = {server};
      if (owner[n] == server) retried.push_back(selector.pick({.hash_key = client_key(n), .excluded = excluded}));
    }
    backend.set_health(server, Health::down);
    std::vector<std::optional<size_t>> after_outage;
    for (size_t n = 0; n < key_count; ++n)
      if (owner[n] == server) after_outage.push_back(selector.pick({.hash_key = client_key(n)}));
    backend.set_health(server, Health::up);
    CAPTURE(server);
    CHECK(retried.size() > 0);
    CHECK(retried == after_outage);
  }
}

TEST_CASE("hash: weight 200 gets about twice the keys of weight 100") {
  BackendFixture backend(BalanceAlgorithm::hash, {200, 100, 100});
  ConsistentHashSelector selector(backend.view());
  auto counts = tally(assign(selector), backend.size());
  double ratio_1 = static_cast<double>(counts[0]) / static_cast<double>(counts[1]);
  double ratio_2 = static_cast<double>(counts[0]) / static_cast<double>(counts[2]);
  CHECK(ratio_1 == doctest::Approx(2.0).epsilon(0.2));
  CHECK(ratio_2 == doctest::Approx(2.0).epsilon(0.2));
  CHECK(counts[0] == doctest::Approx(5000).epsilon(0.1));
}

TEST_CASE("hash: zero-weight and unusable servers get no keys; nothing usable gives nothing") {
  BackendFixture backend(BalanceAlgorithm::hash, {0, 100, 100});
  backend.set_admin(2, AdminState::drain);
  ConsistentHashSelector selector(backend.view());
  auto counts = tally(assign(selector), backend.size());
  CHECK(counts[0] == 0);
  CHECK(counts[1] == key_count);
  CHECK(counts[2] == 0);

  backend.set_health(1, Health::down);
  CHECK_FALSE(selector.pick({.hash_key = 1}).has_value());

  BackendFixture empty(BalanceAlgorithm::hash, {0, 0});
  CHECK_FALSE(empty.selector()->pick({.hash_key = 1}).has_value());
}
