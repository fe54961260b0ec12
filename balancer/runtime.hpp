// Control-thread state of every server that is not configuration: operator
// state, health, weight overrides and the shared counters. Keyed by
// "backend/server", so it survives reloads for servers that still exist.
// The control thread builds a Snapshot from it after every change.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "balancer/server_counters.hpp"
#include "balancer/server_state.hpp"
#include "balancer/snapshot.hpp"
#include "conf/config.hpp"

namespace sy::balancer {

struct ServerRuntime {
  AdminState admin = AdminState::ready;
  Health health = Health::up;
  std::optional<unsigned> weight_override;
  std::string health_reason = "not checked yet";
  std::chrono::system_clock::time_point health_changed_at = std::chrono::system_clock::now();
  std::shared_ptr<ServerCounters> counters = std::make_shared<ServerCounters>();
};

class Runtime {
 public:
  // Takes a new configuration: servers that still exist (same backend and
  // name) keep their state; new ones start ready and up; removed ones go.
  void adopt(std::shared_ptr<const conf::Config> config);

  ServerRuntime* find(std::string_view backend, std::string_view server);
  const conf::Config& config() const { return *config_; }
  std::shared_ptr<const conf::Config> config_ptr() const { return config_; }

  // A new immutable view of everything, with a fresh generation number.
  std::shared_ptr<const Snapshot> build_snapshot();

 private:
  static std::string key(std::string_view backend, std::string_view server);

  std::shared_ptr<const conf::Config> config_;
  std::map<std::string, ServerRuntime, std::less<>> servers_;
  uint64_t generation_ = 0;
};

}  // namespace sy::balancer
