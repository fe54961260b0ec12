// Following a Redis master through Redis Sentinel, on the control loop. Every
// Sentinel known (the configured ones and those they name) is asked each
// poll_interval: SENTINEL get-master-addr-by-name, replicas and sentinels, on
// a fresh connection per round. Each Sentinel is also subscribed to
// (+switch-master, the master's ups and downs, a failover's start and end),
// and a message about the master's group starts a round at once. A round's answers go through count_votes()
// (master_vote.hpp); a named master that differs from the current one is
// taken only after ROLE on it says master. Changes are reported through a
// callback; what to do with them (a backend's servers, the Redis front's
// primary) is the caller's business. Every connect and every round of
// answers is bounded by `timeout`; lost subscriptions come back with backoff.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "sentinel/master_vote.hpp"

namespace sy::health {
class RedisClient;
}

namespace sy::sentinel {

struct FollowerSettings {
  std::string master_name;
  std::vector<conf::Address> sentinels;
  std::string user, password;                // AUTH on the Sentinels, when password is set
  std::string server_user, server_password;  // AUTH on the servers for the ROLE check
  conf::Duration poll_interval = std::chrono::seconds(1);
  conf::Duration timeout = std::chrono::milliseconds(500);
  conf::Duration first_backoff = std::chrono::milliseconds(100);  // resubscribing: doubles up to max_backoff
  conf::Duration max_backoff = std::chrono::seconds(5);

  // [backend.sentinel] with the servers' credentials from the health check's user and password.
  static FollowerSettings from(const conf::SentinelSettings& sentinel, const conf::HealthCheck& servers);
};

struct MasterChange {
  Endpoint master;
  std::vector<Endpoint> replicas;  // usable ones, sorted
  // A Sentinel is failing `master` over: it stays named until the switch,
  // but must get nothing (see Vote::failing_over).
  bool failing_over = false;
  // How it was learned: "+switch-master from 127.0.0.1:26379 ...; 2/3 Sentinels name ...; ROLE says master".
  std::string reason;
};

class SentinelFollower {
 public:
  using OnChange = std::function<void(const MasterChange&)>;
  // What an operator should see once: no majority, a named master that is
  // not one, an unreachable Sentinel. Repeats of the same text are dropped.
  using OnProblem = std::function<void(const std::string&)>;

  // Starts following; valid until stop().
  static SentinelFollower* start(uv_loop_t* loop, FollowerSettings settings, OnChange on_change,
                                 OnProblem on_problem = {});
  // Closes every connection and timer; no callback runs after this. The
  // object frees itself once its handles are closed.
  void stop();

  const std::optional<MasterChange>& current() const { return current_; }
  // The Sentinels known so far ("ip:port", sorted): configured and learned.
  std::vector<std::string> known_sentinels() const;

 private:
  struct Link;

  SentinelFollower(uv_loop_t* loop, FollowerSettings settings, OnChange on_change, OnProblem on_problem);
  ~SentinelFollower() = default;

  Link& add_link(const conf::Address& address);
  void subscribe(Link& link);
  void on_message(Link& link, std::string_view channel, std::string_view payload);
  void start_round(std::string reason);
  void query(Link& link);
  void answered(Link& link, bool ok, const std::string& problem);
  void finish_round();
  void confirm(const Vote& vote);
  void end_round();
  void problem(const std::string& text);
  void close_handle(uv_handle_t* handle);

  uv_loop_t* loop_;
  FollowerSettings settings_;
  OnChange on_change_;
  OnProblem on_problem_;
  std::map<std::string, std::unique_ptr<Link>> links_;  // by "ip:port"
  uv_timer_t* poll_timer_;
  uv_timer_t* retry_timer_;  // a quick extra round while a +switch-master is not yet agreed on
  health::RedisClient* confirming_ = nullptr;
  bool round_active_ = false;
  bool round_again_ = false;
  std::string round_reason_;
  std::string again_reason_;
  size_t outstanding_ = 0;
  std::optional<Endpoint> pending_switch_;  // announced by +switch-master, not yet taken
  uint64_t pending_until_ms_ = 0;
  std::optional<MasterChange> current_;
  std::string last_problem_;
  int open_handles_ = 0;
  bool stopping_ = false;
};

}  // namespace sy::sentinel
