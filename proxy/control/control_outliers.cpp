// Passive outlier ejection on the control thread: a worker reports a server
// that failed consecutive requests; it is ejected (no new requests) for a
// back-off that grows while it keeps failing, unless that would take out
// too much of its backend; then it returns by itself. Each change is logged
// once with its reason and published like any other server state.
#include <chrono>

#include "conf/durations.hpp"
#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"

namespace sy::control {

void Control::server_outlier(const std::string& backend, const std::string& server, const std::string& reason) {
  mailbox_->post([this, backend, server, reason] { eject_outlier(backend, server, reason); });
}

void Control::eject_outlier(const std::string& backend_name, const std::string& server_name,
                            const std::string& reason) {
  const conf::Backend* backend = runtime_.config().find_backend(backend_name);
  balancer::ServerRuntime* server = runtime_.find(backend_name, server_name);
  if (!backend || !server) return;
  size_t ejected = 0;
  for (const auto& other : backend->servers)
    if (const auto* state = runtime_.find(backend_name, other.name); state && state->ejection.ejected) ++ejected;
  auto now = std::chrono::steady_clock::now();
  auto duration = balancer::eject(backend->outlier_ejection, server->ejection, now, ejected, backend->servers.size());
  if (!duration) {
    if (!server->ejection.ejected)
      log::warn("server ", backend_name, "/", server_name, " not ejected: ", reason, "; ", ejected, " of ",
                backend->servers.size(), " servers are out already (max_ejected_percent ",
                backend->outlier_ejection.max_ejected_percent, ")");
    return;
  }
  log::warn("server ", backend_name, "/", server_name, " EJECTED for ", conf::format_duration(*duration), ": ", reason,
            " (ejection ", server->ejection.streak, " in a row)");
  publish();
  arm_ejection_timer();
}

void Control::return_ejected_servers() {
  auto now = std::chrono::steady_clock::now();
  bool changed = false;
  for (const auto& backend : runtime_.config().backends) {
    for (const auto& server : backend.servers) {
      balancer::ServerRuntime* state = runtime_.find(backend.name, server.name);
      if (!state || !balancer::return_if_due(state->ejection, now)) continue;
      log::info("server ", backend.name, "/", server.name, " back from ejection");
      changed = true;
    }
  }
  if (changed) publish();
  arm_ejection_timer();
}

void Control::arm_ejection_timer() {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& backend : runtime_.config().backends)
    for (const auto& server : backend.servers)
      if (const auto* state = runtime_.find(backend.name, server.name); state && state->ejection.ejected)
        if (!next || state->ejection.until < *next) next = state->ejection.until;
  if (!next) {
    uv_timer_stop(&ejection_timer_);
    return;
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - std::chrono::steady_clock::now()).count();
  uv_timer_start(&ejection_timer_, [](uv_timer_t* timer) { static_cast<Control*>(timer->data)->return_ejected_servers(); },
                 wait > 0 ? static_cast<uint64_t>(wait) + 1 : 0, 0);
}

}  // namespace sy::control
