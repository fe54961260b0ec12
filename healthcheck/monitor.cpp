// Check scheduling and result handling; see monitor.hpp.
#include "healthcheck/monitor.hpp"

#include "healthcheck/http_probe.hpp"
#include "healthcheck/postgres_checker.hpp"
#include "healthcheck/probe.hpp"
#include "healthcheck/redis_probe.hpp"

namespace sy::health {

struct HealthMonitor::Check {
  HealthMonitor* monitor;
  std::string backend;
  std::string server;
  conf::Address address;
  conf::HealthCheck settings;
  conf::BackendTls tls;  // the backend's [backend.tls]: postgres checks log in the same way
  std::shared_ptr<const tls::ClientContext> tls_context;  // its loaded context: http and patroni checks use HTTPS
  Hysteresis hysteresis;
  uv_timer_t timer;
  Probe* probe = nullptr;                // tcp, http, patroni, redis: one probe per check
  PostgresChecker* postgres = nullptr;   // postgres: one checker that keeps its connection
  bool paused = false;
  std::string last_result;
};

HealthMonitor::HealthMonitor(uv_loop_t* loop, OnChange on_change, OnRole on_role)
    : loop_(loop), on_change_(std::move(on_change)), on_role_(std::move(on_role)), random_(std::random_device{}()) {}

namespace {
void stop_postgres(PostgresChecker*& checker) {
  if (checker) checker->stop();
  checker = nullptr;
}
}  // namespace

HealthMonitor::~HealthMonitor() = default;  // stop() must have run on the loop

void HealthMonitor::configure(const conf::Config& config,
                              const std::function<balancer::Health(const std::string&, const std::string&)>& health_of,
                              const TlsOf& tls_of) {
  std::map<std::string, Check*> next;
  for (const auto& backend : config.backends) {
    if (backend.health_check.kind == conf::HealthCheckKind::none) continue;
    for (const auto& server : backend.servers) {
      std::string key = backend.name + "/" + server.name;
      Check* check;
      if (auto it = checks_.find(key); it != checks_.end()) {
        check = it->second;
        checks_.erase(it);
      } else {
        check = new Check{this, backend.name, server.name, backend.check_address(server), backend.health_check,
                          backend.tls, nullptr, Hysteresis(health_of(backend.name, server.name)), {}};
        uv_timer_init(loop_, &check->timer);
        check->timer.data = check;
        // The first check comes soon, at a random point, so checks spread out.
        std::uniform_int_distribution<int64_t> first(0, std::max<int64_t>(1, backend.health_check.interval.count() / 4));
        schedule(*check, conf::Duration(first(random_)));
      }
      check->address = backend.check_address(server);
      check->settings = backend.health_check;
      check->tls = backend.tls;
      // A reload's new context (new CA, new client certificate) serves the next probe.
      check->tls_context = backend.tls.enabled && tls_of ? tls_of(backend.name) : nullptr;
      if (check->postgres) {
        if (check->settings.kind == conf::HealthCheckKind::postgres)
          check->postgres->update(check->address, check->settings, check->tls);
        else stop_postgres(check->postgres);
      }
      next.emplace(std::move(key), check);
    }
  }
  for (auto& [key, check] : checks_) destroy(check);
  checks_ = std::move(next);
}

void HealthMonitor::schedule(Check& check, conf::Duration delay) {
  uv_timer_start(&check.timer, [](uv_timer_t* timer) {
    auto* c = static_cast<Check*>(timer->data);
    c->monitor->run_probe(*c);
  }, delay.count(), 0);
}

conf::Duration HealthMonitor::jittered(conf::Duration interval) {
  // +-10%: checks of many servers started together drift apart.
  int64_t spread = interval.count() / 10;
  std::uniform_int_distribution<int64_t> jitter(-spread, spread);
  return conf::Duration(std::max<int64_t>(1, interval.count() + jitter(random_)));
}

namespace {
// The host a server was written with is the name its certificate is checked against.
template <class Check>
ProbeTls probe_tls(const Check& check) {
  return {check.tls_context, check.address.host};
}
}  // namespace

void HealthMonitor::run_probe(Check& check) {
  if (check.paused) return;
  auto done = [this, &check](ProbeResult result) {
    check.probe = nullptr;
    on_result(check, result);
  };
  const conf::HealthCheck& s = check.settings;
  switch (s.kind) {
    case conf::HealthCheckKind::postgres:
      if (!check.postgres) check.postgres = new PostgresChecker(loop_, check.address, s, check.tls);
      check.postgres->run([this, &check](ProbeResult result) { on_result(check, result); });
      return;
    case conf::HealthCheckKind::http: {
      HttpExpectation expectation;
      expectation.statuses = s.expect_status;
      expectation.body_contains = s.expect_body;
      expectation.head_request = s.method == "HEAD";
      std::string request = build_check_request(s.method, s.path, s.host.empty() ? default_host_header(check.address.host, check.address.port) : s.host);
      check.probe = start_http_probe(loop_, check.address, std::move(request), std::move(expectation), s.timeout,
                                     nullptr, probe_tls(check), std::move(done));
      return;
    }
    case conf::HealthCheckKind::patroni:
      check.probe = start_patroni_probe(loop_, check.address, s.timeout, probe_tls(check), std::move(done));
      return;
    case conf::HealthCheckKind::redis:
      check.probe = start_redis_probe(loop_, check.address, s, std::move(done));
      return;
    case conf::HealthCheckKind::tcp:
    case conf::HealthCheckKind::none:
      check.probe = start_tcp_probe(loop_, check.address, s.timeout, std::move(done));
      return;
  }
}

void HealthMonitor::on_result(Check& check, const ProbeResult& result) {
  const auto& s = check.settings;
  check.last_result = (result.ok ? "ok: " : "failed: ") + result.reason;
  if (conf::reports_roles(s.kind) && on_role_) on_role_(check.backend, check.server, result.role);
  if (check.hysteresis.observe(result.ok, s.rise, s.fall)) {
    unsigned streak = result.ok ? check.hysteresis.successes() : check.hysteresis.failures();
    unsigned needed = result.ok ? s.rise : s.fall;
    on_change_({check.backend, check.server, check.hysteresis.health(),
                result.reason + " (" + std::to_string(streak) + "/" + std::to_string(needed) + ")"});
  }
  if (!check.paused) schedule(check, jittered(s.interval));
}

bool HealthMonitor::every_server_checked() const {
  for (const auto& [key, check] : checks_)
    if (!check->paused && check->last_result.empty()) return false;
  return true;
}

HealthMonitor::Check* HealthMonitor::find(const std::string& backend, const std::string& server) {
  auto it = checks_.find(backend + "/" + server);
  return it == checks_.end() ? nullptr : it->second;
}

void HealthMonitor::set_paused(const std::string& backend, const std::string& server, bool paused) {
  Check* check = find(backend, server);
  if (!check || check->paused == paused) return;
  check->paused = paused;
  if (paused) {
    uv_timer_stop(&check->timer);
    if (check->probe) check->probe->cancel();
    check->probe = nullptr;
    stop_postgres(check->postgres);
  } else {
    schedule(*check, conf::Duration(0));
  }
}

std::string HealthMonitor::last_result(const std::string& backend, const std::string& server) {
  Check* check = find(backend, server);
  if (!check) return {};
  return check->paused ? "paused (maint)" : check->last_result;
}

void HealthMonitor::force(const std::string& backend, const std::string& server, balancer::Health health) {
  if (Check* check = find(backend, server)) check->hysteresis.force(health);
}

void HealthMonitor::destroy(Check* check) {
  if (check->probe) check->probe->cancel();
  stop_postgres(check->postgres);
  uv_timer_stop(&check->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&check->timer), [](uv_handle_t* handle) {
    delete static_cast<Check*>(handle->data);
  });
}

void HealthMonitor::stop() {
  for (auto& [key, check] : checks_) destroy(check);
  checks_.clear();
}

}  // namespace sy::health
