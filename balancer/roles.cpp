// Primary election from role reports; see roles.hpp.
#include "balancer/roles.hpp"

namespace sy::balancer {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::unknown: return "unknown";
    case Role::primary: return "primary";
    case Role::replica: return "replica";
    case Role::fenced: return "fenced";
  }
  return "?";
}

Election elect_primary(std::span<const RoleInput> servers) {
  Election election;
  election.roles.assign(servers.size(), Role::unknown);
  std::vector<size_t> claimants;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!servers[i].reachable) continue;
    if (servers[i].in_recovery) election.roles[i] = Role::replica;
    else if (servers[i].being_replaced) election.roles[i] = Role::fenced;
    else claimants.push_back(i);
  }
  if (claimants.empty()) return election;
  for (size_t i : claimants)
    if (servers[i].named_by_authority) {
      for (size_t j : claimants) election.roles[j] = j == i ? Role::primary : Role::fenced;
      election.primary = i;
      return election;
    }
  election.contested = claimants.size() > 1;
  uint32_t highest = 0;
  size_t at_highest = 0;
  for (size_t i : claimants) {
    if (servers[i].timeline > highest) {
      highest = servers[i].timeline;
      at_highest = 1;
    } else if (servers[i].timeline == highest) {
      ++at_highest;
    }
  }
  for (size_t i : claimants) {
    bool wins = at_highest == 1 && servers[i].timeline == highest;
    election.roles[i] = wins ? Role::primary : Role::fenced;
    if (wins) election.primary = i;
  }
  return election;
}

}  // namespace sy::balancer
