// Which master the Sentinels name, decided from one round of their answers.
// Pure, so the rule is tested without Sentinels: a master is named when more
// than half of the Sentinels that answered name the same address (a Sentinel
// that does not monitor the name counts as answering without a vote). The
// follower then checks with ROLE that the address really is a master before
// it takes it. A failover that one of them leads is reported beside the name.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sentinel/sentinel_replies.hpp"

namespace sy::sentinel {

// One Sentinel's part of a round.
struct SentinelAnswer {
  bool reachable = false;          // it answered all of the round's questions
  std::optional<Endpoint> master;  // get-master-addr-by-name; nullopt: the name is unknown to it
  std::vector<Endpoint> replicas;  // its usable replicas of that master
  // SENTINEL master: the master it is failing over, when it leads a
  // failover (it may already name the promoted replica meanwhile).
  std::optional<Endpoint> failing_over;
};

struct Vote {
  std::optional<Endpoint> master;  // named by a majority of the reachable Sentinels
  size_t votes = 0;                // Sentinels naming the most named address
  size_t reachable = 0;
  // The usable replicas the majority reports (each named by any of them),
  // sorted; never the master itself.
  std::vector<Endpoint> replicas;
  // A reachable Sentinel is failing over the named master: its claim to be
  // master no longer counts, whatever ROLE says (it may be a restarted
  // master, empty, that Sentinel demotes once a replica is promoted).
  bool failing_over = false;
  std::string summary;  // "2/3 Sentinels name 127.0.0.1:6380", "no Sentinel answered"...
};

Vote count_votes(std::span<const SentinelAnswer> answers);

}  // namespace sy::sentinel
