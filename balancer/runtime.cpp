// Runtime state bookkeeping and snapshot building; see runtime.hpp.
#include "balancer/runtime.hpp"

#include "balancer/slow_start.hpp"

namespace sy::balancer {

std::string Runtime::key(std::string_view backend, std::string_view server) {
  std::string k(backend);
  k += '/';
  k += server;
  return k;
}

void Runtime::adopt(std::shared_ptr<const conf::Config> config) {
  std::map<std::string, ServerRuntime, std::less<>> next;
  for (const auto& backend : config->backends) {
    for (const auto& server : backend.servers) {
      auto k = key(backend.name, server.name);
      auto it = servers_.find(k);
      next.emplace(k, it != servers_.end() ? std::move(it->second) : ServerRuntime{});
    }
  }
  servers_ = std::move(next);
  config_ = std::move(config);
}

ServerRuntime* Runtime::find(std::string_view backend, std::string_view server) {
  auto it = servers_.find(key(backend, server));
  return it == servers_.end() ? nullptr : &it->second;
}

bool Runtime::set_paused(const std::string& database, bool paused) {
  return paused ? paused_databases_.insert(database).second : paused_databases_.erase(database) > 0;
}

bool Runtime::set_backend_paused(const std::string& backend, bool paused) {
  return paused ? paused_backends_.insert(backend).second : paused_backends_.erase(backend) > 0;
}

const ServerRuntime* Runtime::find(std::string_view backend, std::string_view server) const {
  auto it = servers_.find(key(backend, server));
  return it == servers_.end() ? nullptr : &it->second;
}

std::shared_ptr<const Snapshot> Runtime::build_snapshot(std::chrono::steady_clock::time_point now) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->generation = ++generation_;
  snapshot->config = config_;
  snapshot->paused_databases = paused_databases_;
  snapshot->paused_backends = paused_backends_;
  snapshot->backends.reserve(config_->backends.size());
  for (const auto& backend : config_->backends) {
    BackendView view;
    view.config = &backend;
    view.servers.reserve(backend.servers.size());
    for (const auto& server : backend.servers) {
      const ServerRuntime& state = servers_.at(key(backend.name, server.name));
      ServerView sv;
      sv.config = &server;
      sv.weight = state.weight_override.value_or(server.weight);
      if (state.slow_start_since)
        sv.weight = slow_start_weight(sv.weight, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     now - *state.slow_start_since), backend.slow_start);
      sv.backup = server.backup;
      sv.admin = state.admin;
      sv.health = state.health;
      sv.ejected = state.ejection.ejected;
      sv.role = state.role;
      sv.timeline = state.timeline;
      sv.counters = state.counters;
      if (state.role == Role::primary) view.primary = view.servers.size();
      view.servers.push_back(std::move(sv));
    }
    snapshot->backends.push_back(std::move(view));
  }
  return snapshot;
}

const ServerView* BackendView::find_server(std::string_view server_name) const {
  for (const auto& server : servers)
    if (server.name() == server_name) return &server;
  return nullptr;
}

const BackendView* Snapshot::find_backend(std::string_view name) const {
  for (const auto& backend : backends)
    if (backend.name() == name) return &backend;
  return nullptr;
}

}  // namespace sy::balancer
