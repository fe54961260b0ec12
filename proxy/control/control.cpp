// Control thread: startup, publication, health changes, reload, shutdown;
// see control.hpp.
#include "proxy/control/control.hpp"

#include <csignal>

#include "conf/durations.hpp"
#include "conf/loader.hpp"
#include "proxy/core/listen_socket.hpp"
#include "proxy/core/log.hpp"

namespace sy::control {

using core::close_fds;
using core::TlsContexts;
using core::ListenSockets;
using core::open_listen_sockets;

Control::Control(std::shared_ptr<const conf::Config> config, const FrontRegistry& fronts, OperatorAccess& access)
    : fronts_(fronts), access_(access) {
  uv_loop_init(&loop_);
  adopt_configuration(std::move(config));
  mailbox_ = std::make_unique<Mailbox>(&loop_);
  uv_timer_init(&loop_, &slow_start_timer_);
  slow_start_timer_.data = this;
  health_ = std::make_unique<health::HealthMonitor>(
      &loop_, [this](const health::HealthChange& change) { apply_health_change(change); },
      [this](const std::string& backend, const std::string& server, const std::optional<health::RoleReport>& report) {
        apply_role_report(backend, server, report);
      });
}

Control::~Control() {
  // Whatever is still open (after an aborted start) is closed here, before
  // the objects that own the handles go away.
  health_->stop();
  uv_walk(&loop_, [](uv_handle_t* handle, void*) {
    if (!uv_is_closing(handle)) uv_close(handle, nullptr);
  }, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

int Control::run() {
  const conf::Config& config = runtime_.config();
  log::configure(config.global.log_level, config.global.log_format);
  std::signal(SIGPIPE, SIG_IGN);
  unsigned worker_count = config.effective_workers();
  auto tls = TlsContexts::build(config);
  if (!tls.contexts) {
    for (const auto& error : tls.errors) log::error(error.to_string());
    return 1;
  }

  std::map<std::string, std::vector<int>> fds;
  for (const auto& listener : config.listeners) {
    auto opened = open_listen_sockets(listener.bind, worker_count);
    if (auto* message = std::get_if<std::string>(&opened)) {
      log::error("listener ", listener.name, ": ", *message);
      for (auto& [name, list] : fds) close_fds(list);
      return 1;
    }
    auto& sockets = std::get<ListenSockets>(opened);
    listeners_[listener.name] = ListenerState{listener.bind, sockets.port};
    fds[listener.name] = std::move(sockets.fds);
  }

  if (std::string error = access_.open(&loop_, *this); !error.empty()) {
    log::error(error);
    for (auto& [name, list] : fds) close_fds(list);
    return 1;
  }

  published_ = runtime_.build_snapshot();
  for (unsigned i = 0; i < worker_count; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, static_cast<WorkerReports&>(*this), fronts_));
    worker_list_.push_back(workers_.back().get());
  }
  tls_ = tls.contexts;
  for (unsigned i = 0; i < worker_count; ++i) {
    workers_[i]->adopt_tls(tls.contexts);
    for (auto& [name, list] : fds) workers_[i]->open_listener(name, list[i], listeners_[name].counters);
    workers_[i]->start(published_, &worker_list_);
  }
  workers_running_ = worker_count;
  configure_health();
  configure_sentinels();

  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sighup_);
  for (uv_signal_t* s : {&sigterm_, &sigint_, &sighup_}) s->data = this;
  uv_signal_start(&sigterm_, &Control::on_signal, SIGTERM);
  uv_signal_start(&sigint_, &Control::on_signal, SIGINT);
  uv_signal_start(&sighup_, &Control::on_signal, SIGHUP);
  uv_timer_init(&loop_, &shutdown_timer_);
  uv_timer_init(&loop_, &ejection_timer_);
  ejection_timer_.data = this;

  for (const auto& listener : config.listeners)
    log::info("listener ", listener.name, " (", conf::to_string(listener.protocol), ") on ", listener.bind.host, ":",
              listeners_[listener.name].port,
              listener.backend.empty() ? std::string(" -> every [[database]]") : " -> backend " + listener.backend);
  log::info("switchyard started: ", worker_count, " workers, admin socket ", config.global.admin_socket);
  service_.start(&loop_);
  notify_ready_when_checked();

  uv_run(&loop_, UV_RUN_DEFAULT);
  for (auto& worker : workers_) worker->join();
  log::info("switchyard stopped");
  return exit_code_;
}

// Ready for the service manager means serving with roles known: every
// listener is bound (run() got here) and every server has had its first
// check, so a unit ordered after this one finds the primaries already
// chosen. A check that never answers is bounded by its own timeout; the
// whole wait by kReadyWait.
void Control::notify_ready_when_checked() {
  constexpr uint64_t kReadyWait = 10'000;  // ms
  constexpr uint64_t kPoll = 20;           // ms
  uv_timer_init(&loop_, &ready_timer_);
  ready_timer_.data = this;
  ready_wait_since_ = uv_now(&loop_);
  uv_timer_start(&ready_timer_, [](uv_timer_t* timer) {
    auto* self = static_cast<Control*>(timer->data);
    bool checked = self->health_->every_server_checked();
    if (!checked && uv_now(&self->loop_) - self->ready_wait_since_ < kReadyWait) return;
    uv_timer_stop(timer);
    std::string status = checked ? "serving; first health round done"
                                 : "serving; some servers not checked yet after 10 s";
    log::info("ready: ", status);
    self->service_.ready(status);
  }, 0, kPoll);
}

void Control::publish() {
  published_ = runtime_.build_snapshot();
  for (auto& worker : workers_) worker->publish(published_);
}

void Control::configure_health() {
  health_->configure(runtime_.config(), [this](const std::string& backend, const std::string& server) {
    return runtime_.find(backend, server)->health;
  }, [this](const std::string& backend) { return tls_->backend(backend); });
  for (const auto& backend : runtime_.config().backends)
    for (const auto& server : backend.servers)
      if (runtime_.find(backend.name, server.name)->admin == balancer::AdminState::maint)
        health_->set_paused(backend.name, server.name, true);
}

void Control::apply_health_change(const health::HealthChange& change) {
  balancer::ServerRuntime* server = runtime_.find(change.backend, change.server);
  if (!server || server->health == change.health) return;
  server->health = change.health;
  server->health_reason = change.reason;
  server->health_changed_at = std::chrono::system_clock::now();
  if (change.health == balancer::Health::down)
    log::warn("server ", change.backend, "/", change.server, " DOWN: ", change.reason);
  else
    log::info("server ", change.backend, "/", change.server, " UP: ", change.reason);
  if (change.health == balancer::Health::up && server->admin == balancer::AdminState::ready)
    begin_slow_start(change.backend, change.server);
  // A primary that goes down is a primary no more.
  if (const conf::Backend* backend = runtime_.config().find_backend(change.backend))
    if (conf::reports_roles(backend->health_check.kind)) elect(*backend);
  publish();
}

void Control::server_failed_passively(const std::string& backend, const std::string& server,
                                      const std::string& reason) {
  mailbox_->post([this, backend, server, reason] {
    health_->force(backend, server, balancer::Health::down);
    apply_health_change({backend, server, balancer::Health::down, reason});
  });
}

std::string Control::set_admin_state(std::string_view backend, std::string_view server, balancer::AdminState state) {
  balancer::ServerRuntime* runtime = runtime_.find(backend, server);
  if (!runtime) return "no server \"" + std::string(backend) + "/" + std::string(server) + "\"";
  if (runtime->admin == state) return {};
  balancer::AdminState before = runtime->admin;
  runtime->admin = state;
  std::string b(backend), s(server);
  health_->set_paused(b, s, state == balancer::AdminState::maint);
  log::info("server ", backend, "/", server, " ", balancer::to_string(before), " -> ", balancer::to_string(state),
            " (admin)");
  if (state == balancer::AdminState::ready && runtime->health == balancer::Health::up) begin_slow_start(b, s);
  publish();
  return {};
}

std::string Control::set_weight(std::string_view backend, std::string_view server, unsigned weight) {
  balancer::ServerRuntime* runtime = runtime_.find(backend, server);
  if (!runtime) return "no server \"" + std::string(backend) + "/" + std::string(server) + "\"";
  if (weight > 1000) return "weight must be between 0 and 1000";
  runtime->weight_override = weight;
  log::info("server ", backend, "/", server, " weight set to ", weight, " (admin)");
  publish();
  return {};
}

ReloadOutcome Control::reload() {
  service_.reloading();
  ReloadOutcome outcome = try_reload();
  ++(outcome.ok ? reloads_ok_ : reloads_rejected_);
  // A rejected reload keeps the running configuration: serving either way.
  service_.ready(outcome.ok ? "serving; configuration reloaded" : "serving; last reload rejected");
  return outcome;
}

ReloadOutcome Control::try_reload() {
  ReloadOutcome outcome;
  const std::string path = runtime_.config().source_path;
  auto loaded = conf::load_file(path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) {
      log::error("reload rejected: ", error.to_string());
      outcome.messages.push_back(error.to_string());
    }
    log::error("reload rejected: keeping the running configuration");
    return outcome;
  }
  const conf::Config& next = *loaded.config;
  const conf::Config& current = runtime_.config();
  // Certificates are read again: a renewed one is served from now on, one
  // that does not load keeps the running configuration.
  auto tls = TlsContexts::build(next);
  if (!tls.contexts) {
    for (const auto& error : tls.errors) {
      log::error("reload rejected: ", error.to_string());
      outcome.messages.push_back(error.to_string());
    }
    log::error("reload rejected: keeping the running configuration");
    return outcome;
  }
  // What a reload cannot re-apply (KeySpec::reloadable = false) is named, not applied.
  outcome.messages = conf::changes_needing_restart(current, next);

  // Bind new or moved listeners first: if one cannot bind, nothing changes.
  std::map<std::string, ListenSockets> opened;
  for (const auto& listener : next.listeners) {
    auto it = listeners_.find(listener.name);
    if (it != listeners_.end() && it->second.bind == listener.bind) continue;
    auto result = open_listen_sockets(listener.bind, static_cast<unsigned>(workers_.size()));
    if (auto* message = std::get_if<std::string>(&result)) {
      for (auto& [name, sockets] : opened) close_fds(sockets.fds);
      outcome.messages = {"listener " + listener.name + ": " + *message};
      log::error("reload rejected: ", outcome.messages.front());
      return outcome;
    }
    opened[listener.name] = std::move(std::get<ListenSockets>(result));
  }

  std::vector<std::string> closing;
  for (const auto& [name, state] : listeners_) {
    const conf::Listener* listener = next.find_listener(name);
    if (!listener || opened.count(name)) closing.push_back(name);
  }

  log::configure(next.global.log_level, next.global.log_format);
  tls_ = tls.contexts;
  for (auto& worker : workers_) worker->adopt_tls(tls.contexts);
  adopt_configuration(loaded.config);
  configure_health();
  configure_sentinels();
  publish();
  for (const auto& name : closing) {
    for (auto& worker : workers_) worker->close_listener(name);
    listeners_.erase(name);
    outcome.messages.push_back("listener " + name + " closed");
  }
  for (auto& [name, sockets] : opened) {
    const conf::Listener* listener = next.find_listener(name);
    ListenerState state{listener->bind, sockets.port};
    for (size_t i = 0; i < workers_.size(); ++i) workers_[i]->open_listener(name, sockets.fds[i], state.counters);
    listeners_[name] = state;
    outcome.messages.push_back("listener " + name + " on " + listener->bind.host + ":" + std::to_string(sockets.port));
  }
  outcome.ok = true;
  log::info("configuration reloaded from ", path);
  for (const auto& message : outcome.messages) log::info("reload: ", message);
  return outcome;
}

void Control::visit_workers(std::function<void(Worker&)> visit, std::function<void()> done) {
  struct Visit {
    size_t remaining;
    std::function<void()> done;
    uv_timer_t* timer = nullptr;
    void finish() {
      if (!done) return;
      auto callback = std::move(done);
      done = nullptr;
      uv_timer_stop(timer);
      uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* handle) {
        delete static_cast<std::shared_ptr<Visit>*>(handle->data);
        delete reinterpret_cast<uv_timer_t*>(handle);
      });
      callback();
    }
  };
  auto state = std::make_shared<Visit>(Visit{workers_.size(), std::move(done)});
  // A worker stuck for this long is not worth waiting for: answer with the rest.
  state->timer = new uv_timer_t;
  uv_timer_init(&loop_, state->timer);
  state->timer->data = new std::shared_ptr<Visit>(state);
  uv_timer_start(state->timer, [](uv_timer_t* timer) {
    auto keep = *static_cast<std::shared_ptr<Visit>*>(timer->data);
    keep->finish();
  }, 2000, 0);
  if (workers_.empty()) {
    state->finish();
    return;
  }
  for (auto& worker : workers_) {
    Worker* target = worker.get();
    target->post([this, target, visit, state] {
      visit(*target);
      mailbox_->post([state] {
        if (--state->remaining == 0) state->finish();
      });
    });
  }
}

void Control::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Control*>(handle->data);
  if (signum == SIGHUP) {
    log::info("SIGHUP: reloading ", self->runtime_.config().source_path);
    self->reload();
    return;
  }
  if (self->shutting_down_) {
    log::warn("second signal: closing every connection now");
    for (auto& worker : self->workers_) worker->force_close_sessions();
    return;
  }
  log::info(signum == SIGTERM ? "SIGTERM" : "SIGINT", ": shutting down, waiting up to ",
            conf::format_duration(self->runtime_.config().global.shutdown_timeout), " for connections to finish");
  self->begin_shutdown();
}

void Control::begin_shutdown() {
  shutting_down_ = true;
  service_.stopping();
  uv_timer_stop(&ready_timer_);
  stop_sentinels();
  for (auto& worker : workers_) worker->begin_shutdown();
  listeners_.clear();
  shutdown_timer_.data = this;
  uv_timer_start(&shutdown_timer_, [](uv_timer_t* timer) {
    auto* self = static_cast<Control*>(timer->data);
    log::warn("shutdown timeout: closing remaining connections");
    for (auto& worker : self->workers_) worker->force_close_sessions();
  }, runtime_.config().global.shutdown_timeout.count(), 0);
}

void Control::worker_stopped(unsigned) {
  mailbox_->post([this] {
    if (--workers_running_ == 0) finish_shutdown();
  });
}

void Control::finish_shutdown() {
  health_->stop();
  access_.close();  // before the mailbox closes: a scrape asks through it
  mailbox_->close();
  uv_timer_stop(&shutdown_timer_);
  uv_timer_stop(&slow_start_timer_);
  uv_timer_stop(&ejection_timer_);
  service_.stop();
  for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
                              reinterpret_cast<uv_handle_t*>(&sighup_), reinterpret_cast<uv_handle_t*>(&shutdown_timer_),
                              reinterpret_cast<uv_handle_t*>(&slow_start_timer_),
                              reinterpret_cast<uv_handle_t*>(&ejection_timer_),
                              reinterpret_cast<uv_handle_t*>(&ready_timer_)})
    uv_close(handle, nullptr);
}

}  // namespace sy::control
