// Following the primary: the control thread folds every PostgreSQL role
// check into the runtime state, re-runs the election when something that
// matters changed, logs each role change with how it was noticed, and keeps
// replica lag in the shared counters workers read when picking a replica.
#include <algorithm>
#include <chrono>

#include "balancer/roles.hpp"
#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"

namespace sy::control {
namespace {

std::string milliseconds_since(std::chrono::steady_clock::time_point then) {
  if (then == std::chrono::steady_clock::time_point{}) return "never";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - then).count();
  return std::to_string(ms) + "ms ago";
}

// How late a promotion may have been noticed: it happened after the check
// before the one that saw it.
std::string noticed_within(const balancer::ServerRuntime& server) {
  if (server.previous_role_seen_at == std::chrono::steady_clock::time_point{}) return "";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(server.role_seen_at - server.previous_role_seen_at)
                .count();
  return ", noticed within " + std::to_string(ms) + "ms";
}

}  // namespace

void Control::apply_role_report(const std::string& backend_name, const std::string& server_name,
                                const std::optional<health::RoleReport>& report) {
  balancer::ServerRuntime* server = runtime_.find(backend_name, server_name);
  const conf::Backend* backend = runtime_.config().find_backend(backend_name);
  if (!server || !backend) return;
  bool was_reported = server->role_reported;
  bool was_in_recovery = server->in_recovery;
  uint32_t old_timeline = server->timeline;
  server->role_reported = report.has_value();
  if (report) {
    server->in_recovery = report->in_recovery;
    server->timeline = report->timeline;
    server->wal_lsn = report->wal_lsn;
    server->receive_lsn = report->receive_lsn;
    server->replay_delay_seconds = report->replay_delay_seconds;
    server->previous_role_seen_at = server->role_seen_at;
    server->role_seen_at = std::chrono::steady_clock::now();
  }
  bool relevant = was_reported != server->role_reported || was_in_recovery != server->in_recovery ||
                  old_timeline != server->timeline;
  if (relevant && elect(*backend)) publish();

  // Lag of each replica against the primary's position, in bytes and in
  // time (how long ago the primary was where the replica is now). With no
  // primary known: bytes against what the replica itself has received, time
  // as the replica reports it.
  const balancer::ServerRuntime* primary = nullptr;
  for (const auto& s : backend->servers)
    if (const auto* state = runtime_.find(backend_name, s.name); state && state->role == balancer::Role::primary)
      primary = state;
  uint64_t now_ms = uv_now(&loop_);
  balancer::WalHistory& history = wal_history_[backend_name];
  if (primary && server->role == balancer::Role::primary && report) history.record(now_ms, primary->wal_lsn);
  for (const auto& s : backend->servers) {
    balancer::ServerRuntime* state = runtime_.find(backend_name, s.name);
    if (!state || state->role != balancer::Role::replica) continue;
    uint64_t ahead = primary ? primary->wal_lsn : state->receive_lsn;
    uint64_t lag = ahead > state->wal_lsn ? ahead - state->wal_lsn : 0;
    uint64_t lag_ms = primary ? history.lag_ms(now_ms, state->wal_lsn)
                              : static_cast<uint64_t>(state->replay_delay_seconds * 1000);
    state->counters->replica_lag_bytes.store(lag, std::memory_order_relaxed);
    state->counters->replica_lag_ms.store(static_cast<uint32_t>(std::min<uint64_t>(lag_ms, UINT32_MAX)),
                                          std::memory_order_relaxed);
  }
}

bool Control::elect(const conf::Backend& backend) {
  std::vector<balancer::RoleInput> inputs;
  std::vector<balancer::ServerRuntime*> states;
  // Who names the master: the Sentinels' majority, unless this backend
  // elected a primary they did not name and their answer has not changed
  // since. That happens on every hard failover: the promoted replica says
  // master a moment before +switch-master, and until then the Sentinels name
  // the dead master. If it comes back as a master inside that window
  // (restarted, empty, not yet demoted), it must not win back the writes.
  // Before that window, while a Sentinel is failing it over, it gets nothing
  // either, for the same reason.
  auto sentinel_report = sentinel_reports_.find(backend.name);
  bool have_report = sentinel_report != sentinel_reports_.end();
  std::string sentinels_named = have_report ? sentinel_report->second.master.to_string() : std::string();
  const ElectedAheadOfSentinel* ahead = nullptr;
  if (auto it = elected_ahead_of_sentinel_.find(backend.name);
      it != elected_ahead_of_sentinel_.end() && it->second.sentinels_named == sentinels_named)
    ahead = &it->second;
  for (const auto& server : backend.servers) {
    balancer::ServerRuntime* state = runtime_.find(backend.name, server.name);
    states.push_back(state);
    bool named = ahead ? server.name == ahead->primary
                       : !sentinels_named.empty() && server.address.to_string() == sentinels_named;
    bool being_replaced = !ahead && named && sentinel_report->second.failing_over;
    inputs.push_back({state->role_reported && state->health == balancer::Health::up, state->in_recovery,
                      state->timeline, named && !being_replaced, being_replaced});
  }
  balancer::Election election = balancer::elect_primary(inputs);
  bool changed = false;
  std::string old_primary;
  for (size_t i = 0; i < states.size(); ++i)
    if (states[i]->role == balancer::Role::primary) old_primary = backend.servers[i].name;
  for (size_t i = 0; i < states.size(); ++i) {
    balancer::Role before = states[i]->role;
    balancer::Role after = election.roles[i];
    if (before == after) continue;
    changed = true;
    states[i]->role = after;
    const std::string& name = backend.servers[i].name;
    switch (after) {
      case balancer::Role::primary: {
        std::string previous = old_primary.empty() ? std::string("none") : old_primary;
        if (auto lost = lost_primaries_.find(backend.name); lost != lost_primaries_.end()) {
          previous = lost->second.name + ", lost " + milliseconds_since(lost->second.at);
          lost_primaries_.erase(lost);
        }
        log::warn("cluster ", backend.name, ": ", name, " is the primary now (timeline ", states[i]->timeline,
                  ", was ", balancer::to_string(before), noticed_within(*states[i]), "); previous primary: ",
                  previous);
        break;
      }
      case balancer::Role::fenced:
        if (inputs[i].being_replaced) {
          log::warn("cluster ", backend.name, ": ", name, " is being failed over by the Sentinels; it gets nothing "
                    "until they name a master (writes wait)");
          break;
        }
        log::error("cluster ", backend.name, ": ", name, " claims to be primary on timeline ", states[i]->timeline,
                   " and loses to ", election.primary ? backend.servers[*election.primary].name : std::string("nobody"),
                   "; fenced: it gets no traffic");
        break;
      default:
        // First contact (unknown -> replica) is news, not trouble.
        if (before == balancer::Role::unknown)
          log::info("cluster ", backend.name, ": ", name, " is a ", balancer::to_string(after));
        else
          log::warn("cluster ", backend.name, ": ", name, " role ", balancer::to_string(before), " -> ",
                    balancer::to_string(after), " (its last answered role check was ",
                    milliseconds_since(states[i]->role_seen_at), ")");
        break;
    }
  }
  // A failover or switchover: another server than the last primary is it now
  // (whatever roles the servers went through on the way).
  if (election.primary && !sentinels_named.empty()) {
    const conf::Server& primary = backend.servers[*election.primary];
    if (primary.address.to_string() == sentinels_named) elected_ahead_of_sentinel_.erase(backend.name);
    else elected_ahead_of_sentinel_[backend.name] = {primary.name, sentinels_named};
  }
  if (election.primary) {
    std::string& last = last_primaries_[backend.name];
    const std::string& now = backend.servers[*election.primary].name;
    if (!last.empty() && last != now) ++primary_changes_[backend.name];
    last = now;
  }
  if (changed && !election.primary && !old_primary.empty())
    lost_primaries_[backend.name] = {old_primary, std::chrono::steady_clock::now()};
  if (changed && !election.primary && (!old_primary.empty() || election.contested))
    log::error("cluster ", backend.name, ": no primary",
               election.contested ? " (several servers claim it on the same timeline: writes wait)" : "",
               "; clients that need one wait up to their database's failover_timeout");
  return changed;
}

}  // namespace sy::control
