// Runs the active checks of every server on the control loop: schedules
// probes with jitter so checks do not align, feeds results through rise/fall
// hysteresis and reports each flip once. Logging and publishing the new
// state is the caller's job (the control thread).
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "balancer/server_state.hpp"
#include "conf/config.hpp"
#include "healthcheck/hysteresis.hpp"
#include "healthcheck/probe.hpp"
#include "tls/context.hpp"

namespace sy::health {

struct HealthChange {
  std::string backend;
  std::string server;
  balancer::Health health;
  std::string reason;  // "connection refused (3/3)"
};

class HealthMonitor {
 public:
  using OnChange = std::function<void(const HealthChange&)>;
  // Every role-aware check's findings (postgres, patroni, redis; nullopt: the check failed).
  using OnRole = std::function<void(const std::string& backend, const std::string& server,
                                    const std::optional<RoleReport>& report)>;

  HealthMonitor(uv_loop_t* loop, OnChange on_change, OnRole on_role = {});
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  ~HealthMonitor();

  // Brings the set of checks in line with `config`: new servers get a check,
  // removed ones lose theirs, existing ones keep their rise/fall state and
  // take the new settings. `health_of` gives each server's current health;
  // `tls_of` a backend's loaded [backend.tls] context (nullptr without
  // one), which HTTP and Patroni checks then speak HTTPS with.
  using TlsOf = std::function<std::shared_ptr<const tls::ClientContext>(const std::string& backend)>;
  void configure(const conf::Config& config,
                 const std::function<balancer::Health(const std::string&, const std::string&)>& health_of,
                 const TlsOf& tls_of = {});
  // Maintenance: no checks while paused.
  void set_paused(const std::string& backend, const std::string& server, bool paused);
  // Passive marking took the server down: it must now pass `rise` checks.
  void force(const std::string& backend, const std::string& server, balancer::Health health);
  // Cancels every check; call before the loop closes.
  void stop();
  // Every check that is not paused has had at least one result (true when
  // there are no checks): the first health round is done.
  bool every_server_checked() const;
  // The last probe's outcome for admin output ("connected in 1ms"), or "" when
  // the server has no check (kind none, or not probed yet).
  std::string last_result(const std::string& backend, const std::string& server);

 private:
  struct Check;

  void schedule(Check& check, conf::Duration delay);
  void run_probe(Check& check);
  void on_result(Check& check, const ProbeResult& result);
  conf::Duration jittered(conf::Duration interval);
  Check* find(const std::string& backend, const std::string& server);
  void destroy(Check* check);

  uv_loop_t* loop_;
  OnChange on_change_;
  OnRole on_role_;
  std::map<std::string, Check*> checks_;  // "backend/server"
  std::minstd_rand random_;
};

}  // namespace sy::health
