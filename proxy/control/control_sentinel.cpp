// Sentinel following for backends with [backend.sentinel]: one follower per
// such backend on the control loop; each master change it reports becomes
// "the backend's servers changed", adopted like a reload (servers named
// ip:port keep their runtime state), so health checks, role election and
// the workers' snapshots follow the new master at once.
#include "proxy/control/control.hpp"

#include "proxy/core/log.hpp"
#include "sentinel/discovered_servers.hpp"

namespace sy::control {
namespace {

// What makes two followers the same: a change of any of it starts a new one.
std::string follower_key(const conf::Backend& backend) {
  const conf::SentinelSettings& s = *backend.sentinel;
  std::string key = s.master_name + "|" + s.user + "|" + s.password + "|" + std::to_string(s.poll_interval.count()) +
                    "|" + std::to_string(s.timeout.count()) + "|" + backend.health_check.user + "|" +
                    backend.health_check.password;
  for (const auto& address : s.sentinels) key += "|" + address.to_string();
  return key;
}

}  // namespace

void Control::adopt_configuration(std::shared_ptr<const conf::Config> config) {
  file_config_ = std::move(config);
  runtime_.adopt(sentinel_reports_.empty() ? file_config_
                                           : sentinel::with_discovered_servers(*file_config_, sentinel_reports_));
}

void Control::configure_sentinels() {
  const conf::Config& config = *file_config_;
  bool forgot = false;  // a follower's report was dropped: its servers go too
  for (auto it = followers_.begin(); it != followers_.end();) {
    const conf::Backend* backend = config.find_backend(it->first);
    if (backend && backend->sentinel && follower_key(*backend) == it->second.key) {
      ++it;
      continue;
    }
    it->second.follower->stop();
    forgot |= sentinel_reports_.erase(it->first) > 0;
    it = followers_.erase(it);
  }
  if (forgot) adopt_configuration(file_config_);
  for (const auto& backend : config.backends) {
    if (!backend.sentinel || followers_.count(backend.name)) continue;
    std::string name = backend.name;
    auto* follower = sentinel::SentinelFollower::start(
        &loop_, sentinel::FollowerSettings::from(*backend.sentinel, backend.health_check),
        [this, name](const sentinel::MasterChange& change) { on_sentinel_change(name, change); },
        [name](const std::string& problem) { log::warn("backend ", name, ": Sentinel: ", problem); });
    followers_[name] = Follower{follower, follower_key(backend)};
  }
}

void Control::on_sentinel_change(const std::string& backend_name, const sentinel::MasterChange& change) {
  if (shutting_down_) return;
  sentinel_reports_[backend_name] = change;
  adopt_configuration(file_config_);
  configure_health();
  if (const conf::Backend* backend = runtime_.config().find_backend(backend_name))
    if (conf::reports_roles(backend->health_check.kind)) elect(*backend);
  publish();
  log::warn("backend ", backend_name, ": Sentinel: master ", change.master.to_string(), " (", change.reason, ")");
}

void Control::stop_sentinels() {
  for (auto& [name, follower] : followers_) follower.follower->stop();
  followers_.clear();
}

}  // namespace sy::control
