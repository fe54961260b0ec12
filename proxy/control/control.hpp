// The control thread: owns the configuration, the runtime state of every
// server, the workers and the listening sockets; runs health checks, role
// tracking, outlier ejection, slow start, switchover and signal handling
// (SIGHUP reload, SIGTERM/SIGINT graceful shutdown), and opens the operator's
// ways in (OperatorAccess, made by proxy/admin). Whatever changes, it builds a
// new snapshot and publishes it to the workers.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "balancer/runtime.hpp"
#include "balancer/wal_history.hpp"
#include "healthcheck/monitor.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/mailbox.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/core/front.hpp"
#include "proxy/control/service_notify.hpp"
#include "sentinel/follower.hpp"

namespace sy::control {

using core::FrontRegistry;
using core::ListenerCounters;
using core::Mailbox;
using core::Worker;
using core::WorkerReports;
class Control;

// The operator's ways in (the admin socket, the metrics endpoint). They sit
// above the control plane (proxy/admin knows the commands), so they are
// handed to it: run() opens them once the listeners are bound, shutdown
// closes them before the control loop's mailbox goes.
class OperatorAccess {
 public:
  virtual ~OperatorAccess() = default;
  // Empty on success, else what is wrong (and the start fails).
  virtual std::string open(uv_loop_t* loop, Control& control) = 0;
  virtual void close() = 0;
};

struct ListenerState {
  conf::Address bind;
  uint16_t port = 0;  // actual port (differs from bind.port when that is 0)
  std::shared_ptr<ListenerCounters> counters = std::make_shared<ListenerCounters>();
};

struct ReloadOutcome {
  bool ok = false;
  std::vector<std::string> messages;  // errors, or a summary of what changed
};

class Control final : private WorkerReports {
 public:
  // `fronts` serves the listeners' protocols; both outlive the Control.
  Control(std::shared_ptr<const conf::Config> config, const FrontRegistry& fronts, OperatorAccess& access);
  Control(const Control&) = delete;
  Control& operator=(const Control&) = delete;
  ~Control();

  // Binds the listeners and the admin socket, starts the workers and runs
  // the control loop on the calling thread until shutdown is complete.
  // Returns the process exit code.
  int run();

  // --- for the admin commands (control thread) ---
  balancer::Runtime& runtime() { return runtime_; }
  const std::shared_ptr<const balancer::Snapshot>& published() const { return published_; }
  const std::map<std::string, ListenerState>& listeners() const { return listeners_; }
  health::HealthMonitor& health() { return *health_; }
  const FrontRegistry& fronts() const { return fronts_; }
  // The TLS contexts the workers use now (of the running configuration).
  const std::shared_ptr<const core::TlsContexts>& tls_contexts() const { return tls_; }
  size_t worker_count() const { return workers_.size(); }
  // Empty string on success, else a message naming what is wrong.
  std::string set_admin_state(std::string_view backend, std::string_view server, balancer::AdminState state);
  std::string set_weight(std::string_view backend, std::string_view server, unsigned weight);
  ReloadOutcome reload();
  // Pause / resume / switchover (switchover.cpp). Empty string on success,
  // else what is wrong. PostgreSQL pauses a database, Redis a backend.
  std::string set_database_paused(const std::string& database, bool paused);
  std::string set_redis_paused(const std::string& backend, bool paused);
  bool is_redis_backend(std::string_view name) const;
  // What is still running on one worker: PostgreSQL transactions linked to
  // a server in `databases`; Redis commands unanswered on `backend`.
  static std::function<size_t(Worker&)> transactions_in(std::vector<std::string> databases);
  static std::function<size_t(Worker&)> commands_in(std::string backend);
  // Calls `done(busy)` once `busy_on` counts nothing on every worker
  // (busy = 0), or at `timeout` with the count left.
  void wait_until_idle(std::function<size_t(Worker&)> busy_on, std::chrono::milliseconds timeout,
                       std::function<void(size_t busy)> done);
  // Pauses what `cluster` serves, waits for what runs to finish, has the
  // replica promoted (Redis with Sentinel: SENTINEL FAILOVER) and waits for
  // the role checks to see a new primary (`target` if given), then resumes.
  // `done` gets (ok, report).
  void switchover(const std::string& cluster, const std::string& target,
                  std::function<void(bool, std::string)> done);
  // Per role-checked backend: how often another server became the primary
  // (a failover or switchover).
  const std::map<std::string, uint64_t>& primary_changes() const { return primary_changes_; }
  uint64_t reloads_ok() const { return reloads_ok_; }
  uint64_t reloads_rejected() const { return reloads_rejected_; }
  // Runs `work` on the control loop (from any thread).
  void post(std::function<void()> work) { mailbox_->post(std::move(work)); }
  // Runs `visit` on every worker's own thread, then `done` on the control
  // thread once all have run (or after a timeout, with the ones that ran).
  void visit_workers(std::function<void(Worker&)> visit, std::function<void()> done);

 private:
  // One switchover's steps, the same for both protocols.
  struct SwitchoverPlan {
    std::string cluster, target;
    std::chrono::milliseconds timeout{30000};
    std::string what;       // what is paused, for the log
    std::string busy_noun, idle_noun;  // what busy_on counts: "transaction(s)", "transaction"
    std::function<void()> pause, resume;
    std::function<size_t(Worker&)> busy_on;
    // Empty: someone else promotes. Else starts the promotion and calls
    // back with "" or why it could not.
    std::function<void(std::function<void(std::string)>)> promote;
  };
  void run_switchover(SwitchoverPlan plan, std::function<void(bool, std::string)> done);
  void publish();
  ReloadOutcome try_reload();
  void apply_health_change(const health::HealthChange& change);
  // Role tracking (control_roles.cpp): every PostgreSQL check's findings.
  void apply_role_report(const std::string& backend, const std::string& server,
                         const std::optional<health::RoleReport>& report);
  // Re-runs the primary election of `backend`; true when any role changed.
  bool elect(const conf::Backend& backend);
  // Slow start (control_slow_start.cpp): a server came back, so its weight
  // ramps up; the timer re-publishes at each step until every ramp is done.
  void begin_slow_start(const std::string& backend, const std::string& server);
  void schedule_slow_start();
  void slow_start_tick();
  void configure_health();
  // Sentinel following (control_sentinel.cpp). The runtime holds the file's
  // configuration with the Sentinel-discovered servers added.
  void adopt_configuration(std::shared_ptr<const conf::Config> config);
  void configure_sentinels();
  void on_sentinel_change(const std::string& backend, const sentinel::MasterChange& change);
  void stop_sentinels();
  void notify_ready_when_checked();
  void begin_shutdown();
  void finish_shutdown();
  static void on_signal(uv_signal_t* handle, int signum);

  void server_failed_passively(const std::string& backend, const std::string& server,
                               const std::string& reason) override;
  void server_outlier(const std::string& backend, const std::string& server, const std::string& reason) override;
  // Outlier ejection (control_outliers.cpp): eject, and bring back on time.
  void eject_outlier(const std::string& backend, const std::string& server, const std::string& reason);
  void return_ejected_servers();
  void arm_ejection_timer();
  void worker_stopped(unsigned worker_index) override;

  uv_loop_t loop_;
  balancer::Runtime runtime_;
  std::unique_ptr<Mailbox> mailbox_;
  std::unique_ptr<health::HealthMonitor> health_;
  const FrontRegistry& fronts_;
  OperatorAccess& access_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> worker_list_;  // the same, for workers to reach each other
  std::map<std::string, ListenerState> listeners_;
  std::shared_ptr<const core::TlsContexts> tls_;
  std::shared_ptr<const conf::Config> file_config_;  // as loaded, without discovered servers
  struct Follower {
    sentinel::SentinelFollower* follower = nullptr;  // stops and frees itself
    std::string key;                                 // the settings it was started with
  };
  std::map<std::string, Follower> followers_;                         // per backend with [backend.sentinel]
  std::map<std::string, sentinel::MasterChange> sentinel_reports_;  // their last reports
  std::shared_ptr<const balancer::Snapshot> published_;
  std::map<std::string, balancer::WalHistory> wal_history_;  // per role-checked backend: the primary's WAL over time
  // Per role-checked backend without a primary now: which one it lost and
  // when (for the log line that names the next one).
  struct LostPrimary {
    std::string name;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, LostPrimary> lost_primaries_;
  std::map<std::string, uint64_t> primary_changes_;
  // Per backend with [backend.sentinel] whose primary was elected while the
  // Sentinels still named another server (the promoted replica's ROLE says
  // master before they publish +switch-master): who, and whom they named.
  // Until their answer changes, the one elected counts as named by them.
  struct ElectedAheadOfSentinel {
    std::string primary;
    std::string sentinels_named;  // host:port
  };
  std::map<std::string, ElectedAheadOfSentinel> elected_ahead_of_sentinel_;
  std::map<std::string, std::string> last_primaries_;  // per role-checked backend: the last one elected
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  uv_signal_t sighup_;
  uv_timer_t shutdown_timer_;
  uv_timer_t slow_start_timer_;
  // READY goes to the service manager once the first health round is done
  // (polled; bounded by kReadyWait), see notify_ready_when_checked().
  uv_timer_t ready_timer_;
  uint64_t ready_wait_since_ = 0;
  ServiceNotify service_;
  uv_timer_t ejection_timer_;
  unsigned workers_running_ = 0;
  uint64_t reloads_ok_ = 0;
  uint64_t reloads_rejected_ = 0;
  bool shutting_down_ = false;
  int exit_code_ = 0;
};

}  // namespace sy::control
