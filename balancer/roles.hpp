// Which server of a PostgreSQL cluster is the primary, decided from what the
// role checks report. Pure, so the rules can be tested without servers:
// the one reachable server not in recovery is the primary; if several claim
// it (an old primary back without a rewind), the highest timeline wins and
// the others are fenced; if the highest timeline is shared, no one is
// primary — writes wait rather than go to two primaries.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sy::balancer {

enum class Role {
  unknown,  // no role check, or no answer yet
  primary,
  replica,
  fenced,   // claims to be primary but lost the election: gets nothing
};

std::string_view to_string(Role role);

struct RoleInput {
  bool reachable = false;  // up, and its last role check answered
  bool in_recovery = false;
  uint32_t timeline = 0;
  // Named master by an authority the backend follows (Redis Sentinel's
  // majority): among servers that claim the role, it wins. A demoted master
  // says "master" until Sentinel reconfigures it, seconds later.
  bool named_by_authority = false;
  // Its authority is failing it over (a Sentinel leads a failover of it): it
  // may say "master" (restarted, empty, not yet demoted), but its claim is
  // refused until the authority names a master again.
  bool being_replaced = false;
};

struct Election {
  std::optional<size_t> primary;
  std::vector<Role> roles;  // one per input
  bool contested = false;   // more than one server claimed to be primary
};

Election elect_primary(std::span<const RoleInput> servers);

}  // namespace sy::balancer
