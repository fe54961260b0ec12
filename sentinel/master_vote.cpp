// The majority rule over one round of Sentinel answers; see master_vote.hpp.
#include "sentinel/master_vote.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace sy::sentinel {

Vote count_votes(std::span<const SentinelAnswer> answers) {
  Vote vote;
  std::map<Endpoint, size_t> named;
  for (const auto& answer : answers) {
    if (!answer.reachable) continue;
    ++vote.reachable;
    if (answer.master) ++named[*answer.master];
  }
  if (vote.reachable == 0) {
    vote.summary = "no Sentinel answered";
    return vote;
  }
  const Endpoint* leader = nullptr;
  for (const auto& [endpoint, count] : named)
    if (count > vote.votes) {
      vote.votes = count;
      leader = &endpoint;
    }
  std::string counted = std::to_string(vote.votes) + "/" + std::to_string(vote.reachable) + " Sentinels";
  if (!leader) {
    vote.summary = "no Sentinel that answered knows the master name";
    return vote;
  }
  if (vote.votes * 2 <= vote.reachable) {
    vote.summary = "no majority: at most " + counted + " name the same master (" + std::to_string(named.size()) +
                   " named)";
    return vote;
  }
  vote.master = *leader;
  vote.summary = counted + " name " + leader->to_string();
  std::set<Endpoint> replicas;
  for (const auto& answer : answers)
    if (answer.reachable && answer.master == vote.master)
      for (const auto& replica : answer.replicas)
        if (replica != *vote.master) replicas.insert(replica);
  vote.replicas.assign(replicas.begin(), replicas.end());
  for (const auto& answer : answers)
    if (answer.reachable && answer.failing_over && *answer.failing_over == *vote.master) vote.failing_over = true;
  if (vote.failing_over) vote.summary += "; a Sentinel is failing it over";
  return vote;
}

}  // namespace sy::sentinel
