// Planned switchover: pause the databases of a PostgreSQL cluster (new
// transactions wait, those in flight finish), let the operator or Patroni
// promote a replica while nothing is running, wait for the role checks to
// see the new primary, resume. Clients see a pause, not an error.
#include <algorithm>
#include <chrono>

#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::control {
namespace {

constexpr uint64_t kPollMs = 50;

// A repeating check on the control loop that stops itself.
struct Poller {
  uv_timer_t timer;
  std::function<bool()> step;  // true: done

  static void start(uv_loop_t* loop, std::function<bool()> step) {
    auto* poller = new Poller{{}, std::move(step)};
    uv_timer_init(loop, &poller->timer);
    poller->timer.data = poller;
    uv_timer_start(&poller->timer, [](uv_timer_t* timer) {
      auto* self = static_cast<Poller*>(timer->data);
      if (!self->step()) return;
      uv_timer_stop(timer);
      uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete static_cast<Poller*>(h->data); });
    }, 0, kPollMs);
  }
};

std::string current_primary(const balancer::Runtime& runtime, const conf::Backend& backend) {
  for (const auto& server : backend.servers)
    if (const auto* state = runtime.find(backend.name, server.name);
        state && state->role == balancer::Role::primary)
      return server.name;
  return {};
}

}  // namespace

std::string Control::pause_database(const std::string& database) {
  if (!runtime_.config().find_database(database)) return "no database \"" + database + "\"";
  if (runtime_.set_paused(database, true)) {
    log::warn("database ", database, " paused (admin): new transactions wait");
    publish();
  }
  return {};
}

std::string Control::resume_database(const std::string& database) {
  if (!runtime_.config().find_database(database)) return "no database \"" + database + "\"";
  if (runtime_.set_paused(database, false)) {
    log::warn("database ", database, " resumed (admin)");
    publish();
  }
  return {};
}

void Control::wait_until_idle(std::vector<std::string> databases, std::chrono::milliseconds timeout,
                              std::function<void(size_t)> done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto in_flight = std::make_shared<std::vector<size_t>>(workers_.size());
  auto asking = std::make_shared<bool>(false);
  auto names = std::make_shared<std::vector<std::string>>(std::move(databases));
  auto finished = std::make_shared<bool>(false);
  Poller::start(&loop_, [this, deadline, in_flight, asking, names, finished, done]() {
    if (*finished) return true;
    if (*asking) return false;  // the last question is still out
    *asking = true;
    visit_workers(
        [in_flight, names](Worker& worker) {
          size_t busy = 0;
          if (auto* front = postgres::PostgresFront::if_started(worker))
            for (const auto& [key, pool] : front->pools())
              if (std::find(names->begin(), names->end(), key.database) != names->end())
                for (const auto* server : pool->servers())
                  if (server->client()) ++busy;
          (*in_flight)[worker.index()] = busy;
        },
        [in_flight, asking, finished, deadline, done] {
          *asking = false;
          size_t busy = 0;
          for (size_t count : *in_flight) busy += count;
          if (busy == 0 || std::chrono::steady_clock::now() >= deadline) {
            *finished = true;
            done(busy);
          }
        });
    return false;
  });
}

void Control::switchover(const std::string& cluster, const std::string& target,
                         std::function<void(bool, std::string)> done) {
  const conf::Config& config = runtime_.config();
  const conf::Backend* backend = config.find_backend(cluster);
  if (!backend || !conf::reports_roles(backend->health_check.kind)) {
    done(false, "no cluster \"" + cluster + "\" (a backend with type = \"postgres\" or \"patroni\" health checks)");
    return;
  }
  if (!target.empty() && !backend->find_server(target)) {
    done(false, "cluster " + cluster + " has no server \"" + target + "\"");
    return;
  }
  std::vector<std::string> databases;
  auto timeout = std::chrono::milliseconds(30000);
  for (const auto& database : config.databases) {
    if (database.backend != cluster) continue;
    databases.push_back(database.name);
    timeout = std::min(timeout, database.failover_timeout);
  }
  std::string old_primary = current_primary(runtime_, *backend);
  for (const auto& database : databases) pause_database(database);
  auto started = std::chrono::steady_clock::now();
  log::warn("switchover of cluster ", cluster, ": paused ", databases.size(), " database(s), primary now ",
            old_primary.empty() ? std::string("none") : old_primary, "; waiting for ",
            target.empty() ? std::string("a new primary") : target + " to become primary");

  auto resume_all = [this, databases] {
    for (const auto& database : databases) resume_database(database);
  };
  auto elapsed_ms = [started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  wait_until_idle(databases, timeout, [this, cluster, target, old_primary, timeout, started, resume_all, elapsed_ms,
                                       done](size_t busy) {
    if (busy > 0) {
      resume_all();
      done(false, "switchover of " + cluster + " abandoned: " + std::to_string(busy) +
                      " transaction(s) still running after the timeout; resumed");
      return;
    }
    log::info("switchover of cluster ", cluster, ": no transaction in flight after ", elapsed_ms(),
              "ms; promote now");
    auto deadline = started + timeout;
    Poller::start(&loop_, [this, cluster, target, old_primary, deadline, resume_all, elapsed_ms, done]() {
      const conf::Backend* current = runtime_.config().find_backend(cluster);
      std::string primary = current ? current_primary(runtime_, *current) : std::string();
      bool arrived = !primary.empty() && (target.empty() ? primary != old_primary : primary == target);
      if (!arrived && std::chrono::steady_clock::now() < deadline) return false;
      resume_all();
      if (arrived) {
        std::string report = "switchover of " + cluster + " done in " + std::to_string(elapsed_ms()) +
                             "ms: primary " + (old_primary.empty() ? std::string("none") : old_primary) + " -> " +
                             primary;
        log::warn(report);
        done(true, report);
      } else {
        done(false, "switchover of " + cluster + ": no new primary within the timeout (primary is " +
                        (primary.empty() ? std::string("none") : primary) + "); resumed");
      }
      return true;
    });
  });
}

}  // namespace sy::control
