// Control-thread state of every server that is not configuration: operator
// state, health, weight overrides and the shared counters. Keyed by
// "backend/server", so it survives reloads for servers that still exist.
// The control thread builds a Snapshot from it after every change.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "balancer/outlier_ejection.hpp"
#include "balancer/server_counters.hpp"
#include "balancer/server_state.hpp"
#include "balancer/snapshot.hpp"
#include "conf/config.hpp"

namespace sy::balancer {

struct ServerRuntime {
  AdminState admin = AdminState::ready;
  Health health = Health::up;
  std::optional<unsigned> weight_override;
  // Set while the server's weight ramps up after its return (slow start).
  std::optional<std::chrono::steady_clock::time_point> slow_start_since;
  std::string health_reason = "not checked yet";
  std::chrono::system_clock::time_point health_changed_at = std::chrono::system_clock::now();
  std::shared_ptr<ServerCounters> counters = std::make_shared<ServerCounters>();
  // Passive outlier ejection (HTTP traffic): out for a while, then back.
  EjectionState ejection;
  // PostgreSQL role checks.
  Role role = Role::unknown;
  uint32_t timeline = 0;
  bool in_recovery = false;
  bool role_reported = false;  // the last role check answered
  uint64_t wal_lsn = 0;
  uint64_t receive_lsn = 0;
  double replay_delay_seconds = 0;
  std::chrono::steady_clock::time_point role_seen_at{};           // last answered role check
  std::chrono::steady_clock::time_point previous_role_seen_at{};  // the one before: bounds how late a change is seen
};

class Runtime {
 public:
  // Takes a new configuration: servers that still exist (same backend and
  // name) keep their state; new ones start ready and up; removed ones go.
  void adopt(std::shared_ptr<const conf::Config> config);

  ServerRuntime* find(std::string_view backend, std::string_view server);
  const ServerRuntime* find(std::string_view backend, std::string_view server) const;
  // Operator pause of PostgreSQL databases (survives reloads by name).
  bool set_paused(const std::string& database, bool paused);
  const std::set<std::string, std::less<>>& paused_databases() const { return paused_databases_; }
  // Redis backends paused by the operator: new commands wait.
  bool set_backend_paused(const std::string& backend, bool paused);
  const std::set<std::string, std::less<>>& paused_backends() const { return paused_backends_; }
  const conf::Config& config() const { return *config_; }
  std::shared_ptr<const conf::Config> config_ptr() const { return config_; }

  // A new immutable view of everything, with a fresh generation number.
  // Weights of servers in slow start are their ramp's value at `now`.
  std::shared_ptr<const Snapshot> build_snapshot(
      std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  static std::string key(std::string_view backend, std::string_view server);

  std::shared_ptr<const conf::Config> config_;
  std::map<std::string, ServerRuntime, std::less<>> servers_;
  uint64_t generation_ = 0;
  std::set<std::string, std::less<>> paused_databases_;
  std::set<std::string, std::less<>> paused_backends_;
};

}  // namespace sy::balancer
