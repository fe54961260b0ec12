// The immutable routing state the control thread publishes to the workers:
// the config plus, for every backend, its servers with their effective
// weight and whether they may get new work. Workers never lock to read it.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "balancer/roles.hpp"
#include "balancer/server_counters.hpp"
#include "balancer/server_state.hpp"
#include "conf/config.hpp"

namespace sy::balancer {

struct ServerView {
  const conf::Server* config = nullptr;  // points into Snapshot::config
  unsigned weight = 0;                   // effective: override or configured
  bool backup = false;
  AdminState admin = AdminState::ready;
  Health health = Health::up;
  bool ejected = false;  // out for a while after consecutive failed requests
  Role role = Role::unknown;  // PostgreSQL role checks only
  uint32_t timeline = 0;
  std::shared_ptr<ServerCounters> counters;

  const std::string& name() const { return config->name; }
  // May get new connections / requests now.
  bool usable() const { return admin == AdminState::ready && health == Health::up && !ejected && weight > 0; }
};

struct BackendView {
  const conf::Backend* config = nullptr;
  std::vector<ServerView> servers;
  std::optional<size_t> primary;  // index of the elected primary (role-checked backends)

  const std::string& name() const { return config->name; }
  // Role checks run, so roles mean something for routing.
  bool roles_known() const { return conf::reports_roles(config->health_check.kind); }
  const ServerView* find_server(std::string_view name) const;
};

struct Snapshot {
  uint64_t generation = 0;  // grows with every publication
  std::shared_ptr<const conf::Config> config;
  std::vector<BackendView> backends;  // same order as config->backends
  // PostgreSQL databases paused by the operator: new transactions wait.
  std::set<std::string, std::less<>> paused_databases;
  // Redis backends paused by the operator: new commands wait.
  std::set<std::string, std::less<>> paused_backends;

  const BackendView* find_backend(std::string_view name) const;
};

}  // namespace sy::balancer
