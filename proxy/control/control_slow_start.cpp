// Slow start on the control thread: a server's return starts its weight
// ramp (balancer/slow_start.hpp), and one timer re-publishes the snapshot
// at each step of every ramp in progress until all are done. Workers only
// ever see the weights in the snapshot.
#include <algorithm>

#include "balancer/slow_start.hpp"
#include "conf/durations.hpp"
#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"

namespace sy::control {

void Control::begin_slow_start(const std::string& backend_name, const std::string& server_name) {
  const conf::Backend* backend = runtime_.config().find_backend(backend_name);
  balancer::ServerRuntime* server = runtime_.find(backend_name, server_name);
  if (!backend || !server || backend->slow_start.count() <= 0) return;
  server->slow_start_since = std::chrono::steady_clock::now();
  log::info("server ", backend_name, "/", server_name, " slow start: weight ramps up to ",
            server->weight_override.value_or(backend->find_server(server_name)->weight), " over ",
            conf::format_duration(backend->slow_start));
  schedule_slow_start();
}

void Control::schedule_slow_start() {
  // The next step of the fastest ramp; a slower ramp just gets an extra,
  // harmless publication now and then.
  std::optional<std::chrono::milliseconds> step;
  for (const auto& backend : runtime_.config().backends) {
    for (const auto& server : backend.servers) {
      const balancer::ServerRuntime* state = runtime_.find(backend.name, server.name);
      if (!state || !state->slow_start_since) continue;
      auto this_step = balancer::slow_start_step(backend.slow_start);
      step = step ? std::min(*step, this_step) : this_step;
    }
  }
  if (!step) {
    uv_timer_stop(&slow_start_timer_);
    return;
  }
  uv_timer_start(&slow_start_timer_, [](uv_timer_t* timer) {
    static_cast<Control*>(timer->data)->slow_start_tick();
  }, static_cast<uint64_t>(step->count()), 0);
}

void Control::slow_start_tick() {
  auto now = std::chrono::steady_clock::now();
  for (const auto& backend : runtime_.config().backends) {
    for (const auto& server : backend.servers) {
      balancer::ServerRuntime* state = runtime_.find(backend.name, server.name);
      if (!state || !state->slow_start_since) continue;
      // Off by a reload, or the window has passed: full weight from now on.
      if (backend.slow_start.count() <= 0 || now - *state->slow_start_since >= backend.slow_start) {
        state->slow_start_since.reset();
        log::info("server ", backend.name, "/", server.name, " slow start done: full weight");
      }
    }
  }
  publish();
  schedule_slow_start();
}

}  // namespace sy::control
