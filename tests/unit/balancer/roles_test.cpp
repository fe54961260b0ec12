// Primary election: who is primary, who is fenced, and when nobody is.
#include "balancer/roles.hpp"

#include <doctest/doctest.h>

using namespace sy::balancer;

TEST_CASE("roles: the one reachable server not in recovery is the primary") {
  RoleInput servers[] = {{true, true, 1}, {true, false, 1}, {true, true, 1}};
  auto election = elect_primary(servers);
  REQUIRE(election.primary.has_value());
  CHECK(*election.primary == 1);
  CHECK(election.roles[0] == Role::replica);
  CHECK(election.roles[1] == Role::primary);
  CHECK(election.roles[2] == Role::replica);
  CHECK_FALSE(election.contested);
}

TEST_CASE("roles: unreachable servers have no role and no primary when only replicas answer") {
  RoleInput servers[] = {{false, false, 3}, {true, true, 3}};
  auto election = elect_primary(servers);
  CHECK_FALSE(election.primary.has_value());
  CHECK(election.roles[0] == Role::unknown);
  CHECK(election.roles[1] == Role::replica);
}

TEST_CASE("roles: split brain — the higher timeline wins, the other is fenced") {
  RoleInput servers[] = {{true, false, 1}, {true, false, 2}, {true, true, 2}};
  auto election = elect_primary(servers);
  REQUIRE(election.primary.has_value());
  CHECK(*election.primary == 1);
  CHECK(election.roles[0] == Role::fenced);
  CHECK(election.roles[1] == Role::primary);
  CHECK(election.roles[2] == Role::replica);
  CHECK(election.contested);
}

TEST_CASE("roles: two primaries on the same timeline — nobody is primary, both fenced") {
  RoleInput servers[] = {{true, false, 4}, {true, false, 4}, {true, true, 4}};
  auto election = elect_primary(servers);
  CHECK_FALSE(election.primary.has_value());
  CHECK(election.roles[0] == Role::fenced);
  CHECK(election.roles[1] == Role::fenced);
  CHECK(election.roles[2] == Role::replica);
  CHECK(election.contested);
}

TEST_CASE("roles: an empty cluster elects nobody") {
  auto election = elect_primary({});
  CHECK_FALSE(election.primary.has_value());
  CHECK(election.roles.empty());
}

TEST_CASE("roles: the master Sentinel names wins over a demoted master that still claims the role") {
  // Redis has no timelines: both say "master" until Sentinel reconfigures the old one.
  RoleInput servers[] = {{true, false, 0, false}, {true, false, 0, true}, {true, true, 0, false}};
  auto election = elect_primary(servers);
  REQUIRE(election.primary.has_value());
  CHECK(*election.primary == 1);
  CHECK(election.roles[0] == Role::fenced);
  CHECK(election.roles[1] == Role::primary);
  CHECK(election.roles[2] == Role::replica);
  // A named server that does not claim the role (its ROLE says replica) wins nothing.
  RoleInput not_claiming[] = {{true, false, 0, false}, {true, true, 0, true}};
  auto second = elect_primary(not_claiming);
  REQUIRE(second.primary.has_value());
  CHECK(*second.primary == 0);
}

TEST_CASE("roles: a master its Sentinels are failing over is fenced, even as the only claimant") {
  // Restarted empty before the promotion: it says master, the replica does not yet.
  RoleInput servers[] = {{true, false, 0, false, true}, {true, true, 0, false}};
  auto election = elect_primary(servers);
  CHECK_FALSE(election.primary.has_value());
  CHECK(election.roles[0] == Role::fenced);
  CHECK(election.roles[1] == Role::replica);
  CHECK_FALSE(election.contested);
  // Once the replica is promoted it wins alone.
  servers[1].in_recovery = false;
  auto promoted = elect_primary(servers);
  REQUIRE(promoted.primary.has_value());
  CHECK(*promoted.primary == 1);
  CHECK(promoted.roles[0] == Role::fenced);
}
