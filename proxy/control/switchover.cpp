// Pause, resume and planned switchover. A switchover pauses what a cluster
// serves (the databases of a PostgreSQL cluster: new transactions wait,
// those in flight finish; a Redis backend: new commands wait, those sent
// are answered), lets the promotion happen while nothing is running (the
// operator or Patroni for PostgreSQL and Redis without Sentinel; SENTINEL
// FAILOVER, sent by switchyard, with Sentinel), waits for the role checks
// or Sentinel to show the new primary, resumes. Clients see a pause, not
// an error.
#include <algorithm>
#include <chrono>

#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"
#include "proxy/redis/redis_front.hpp"
#include "proxy/redis/server_pool.hpp"
#include "healthcheck/redis_client.hpp"

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

bool serves_redis(const conf::Config& config, std::string_view backend) {
  for (const auto& listener : config.listeners)
    if (listener.protocol == conf::Protocol::redis && listener.backend == backend) return true;
  return false;
}

// Sends SENTINEL FAILOVER for `settings.master_name` to the first of the
// Sentinels that takes it; `done` gets "" or why none did.
void ask_sentinel_failover(uv_loop_t* loop, std::shared_ptr<const conf::SentinelSettings> settings, size_t index,
                           std::string problems, std::function<void(std::string)> done) {
  if (index >= settings->sentinels.size()) {
    done("no Sentinel started the failover (" + problems + ")");
    return;
  }
  const conf::Address& address = settings->sentinels[index];
  auto answered = std::make_shared<bool>(false);
  auto next = [=](const std::string& why) {
    if (*answered) return;
    *answered = true;
    ask_sentinel_failover(loop, settings, index + 1,
                          problems + (problems.empty() ? "" : "; ") + address.to_string() + ": " + why, done);
  };
  auto* client = health::RedisClient::connect(loop, address, settings->timeout, next);
  if (!settings->password.empty()) {
    auto on_auth = [next](const redisReply& reply) {
      if (health::is_error(reply)) next("AUTH: " + std::string(health::reply_text(reply)));
    };
    if (settings->user.empty()) client->command({"AUTH", settings->password}, on_auth);
    else client->command({"AUTH", settings->user, settings->password}, on_auth);
  }
  client->command({"SENTINEL", "FAILOVER", settings->master_name},
                  [client, answered, next, done, address](const redisReply& reply) {
                    if (*answered) return;
                    if (health::is_error(reply)) {
                      next(std::string(health::reply_text(reply)));
                    } else {
                      *answered = true;
                      log::info("SENTINEL FAILOVER accepted by ", address.to_string());
                      done({});
                    }
                    client->close();
                  });
}

}  // namespace

// The PostgreSQL transactions linked to a server connection on one worker,
// in these databases.
std::function<size_t(Worker&)> Control::transactions_in(std::vector<std::string> databases) {
  return [databases = std::move(databases)](Worker& worker) {
    size_t busy = 0;
    if (auto* front = postgres::PostgresFront::if_started(worker))
      for (const auto& [key, pool] : front->pools())
        if (std::find(databases.begin(), databases.end(), key.database) != databases.end())
          for (const auto* server : pool->servers())
            if (server->client()) ++busy;
    return busy;
  };
}

// The Redis commands sent and not yet answered on one worker's shared
// connections to `backend`.
std::function<size_t(Worker&)> Control::commands_in(std::string backend) {
  return [backend = std::move(backend)](Worker& worker) -> size_t {
    auto* front = redis::RedisFront::if_started(worker);
    return front ? front->commands_in_flight(backend) : 0;
  };
}

std::string Control::set_database_paused(const std::string& database, bool paused) {
  if (!runtime_.config().find_database(database)) return "no database \"" + database + "\"";
  if (runtime_.set_paused(database, paused)) {
    log::warn("database ", database, paused ? " paused (admin): new transactions wait" : " resumed (admin)");
    publish();
  }
  return {};
}

std::string Control::set_redis_paused(const std::string& backend, bool paused) {
  if (!serves_redis(runtime_.config(), backend)) return "no redis backend \"" + backend + "\"";
  if (runtime_.set_backend_paused(backend, paused)) {
    log::warn("redis backend ", backend, paused ? " paused (admin): new commands wait" : " resumed (admin)");
    publish();
  }
  return {};
}

bool Control::is_redis_backend(std::string_view name) const { return serves_redis(runtime_.config(), name); }

void Control::wait_until_idle(std::function<size_t(Worker&)> busy_on, std::chrono::milliseconds timeout,
                              std::function<void(size_t)> done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto in_flight = std::make_shared<std::vector<size_t>>(workers_.size());
  auto asking = std::make_shared<bool>(false);
  auto count = std::make_shared<std::function<size_t(Worker&)>>(std::move(busy_on));
  auto finished = std::make_shared<bool>(false);
  Poller::start(&loop_, [this, deadline, in_flight, asking, count, finished, done]() {
    if (*finished) return true;
    if (*asking) return false;  // the last question is still out
    *asking = true;
    visit_workers([in_flight, count](Worker& worker) { (*in_flight)[worker.index()] = (*count)(worker); },
                  [in_flight, asking, finished, deadline, done] {
                    *asking = false;
                    size_t busy = 0;
                    for (size_t each : *in_flight) busy += each;
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
    done(false, "no cluster \"" + cluster +
                    "\" (a backend with type = \"postgres\", \"patroni\" or \"redis\" health checks)");
    return;
  }
  if (!target.empty() && !backend->find_server(target)) {
    done(false, "cluster " + cluster + " has no server \"" + target + "\"");
    return;
  }
  SwitchoverPlan plan;
  plan.cluster = cluster;
  plan.target = target;
  if (serves_redis(config, cluster)) {
    if (backend->sentinel && !target.empty()) {
      done(false, "cluster " + cluster + " follows Sentinel, which chooses the replica to promote: give no SERVER");
      return;
    }
    plan.timeout = backend->redis.failover_timeout;
    plan.what = "the redis backend";
    plan.pause = [this, cluster] { set_redis_paused(cluster, true); };
    plan.resume = [this, cluster] { set_redis_paused(cluster, false); };
    plan.busy_on = commands_in(cluster);
    plan.busy_noun = "command(s)";
    plan.idle_noun = "command";
    if (backend->sentinel) {
      auto settings = std::make_shared<const conf::SentinelSettings>(*backend->sentinel);
      plan.promote = [this, settings](std::function<void(std::string)> promoted) {
        ask_sentinel_failover(&loop_, settings, 0, {}, std::move(promoted));
      };
    }
  } else {
    std::vector<std::string> databases;
    plan.timeout = std::chrono::milliseconds(30000);
    for (const auto& database : config.databases) {
      if (database.backend != cluster) continue;
      databases.push_back(database.name);
      plan.timeout = std::min(plan.timeout, database.failover_timeout);
    }
    plan.what = std::to_string(databases.size()) + " database(s)";
    plan.pause = [this, databases] {
      for (const auto& database : databases) set_database_paused(database, true);
    };
    plan.resume = [this, databases] {
      for (const auto& database : databases) set_database_paused(database, false);
    };
    plan.busy_on = transactions_in(databases);
    plan.busy_noun = "transaction(s)";
    plan.idle_noun = "transaction";
  }
  run_switchover(std::move(plan), std::move(done));
}

void Control::run_switchover(SwitchoverPlan steps, std::function<void(bool, std::string)> done) {
  const conf::Backend* backend = runtime_.config().find_backend(steps.cluster);
  std::string old_primary = current_primary(runtime_, *backend);
  steps.pause();
  auto started = std::chrono::steady_clock::now();
  log::warn("switchover of cluster ", steps.cluster, ": paused ", steps.what, ", primary now ",
            old_primary.empty() ? std::string("none") : old_primary, "; waiting for ",
            steps.target.empty() ? std::string("a new primary") : steps.target + " to become primary");
  auto elapsed_ms = [started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  auto shared_plan = std::make_shared<SwitchoverPlan>(std::move(steps));
  // After the promotion (or at once when someone else promotes): wait for
  // the role checks or Sentinel to name the new primary, then resume.
  auto await_primary = [this, shared_plan, old_primary, started, elapsed_ms, done] {
    auto deadline = started + shared_plan->timeout;
    Poller::start(&loop_, [this, shared_plan, old_primary, deadline, elapsed_ms, done]() {
      const SwitchoverPlan& plan = *shared_plan;
      const conf::Backend* current = runtime_.config().find_backend(plan.cluster);
      std::string primary = current ? current_primary(runtime_, *current) : std::string();
      bool arrived = !primary.empty() && (plan.target.empty() ? primary != old_primary : primary == plan.target);
      if (!arrived && std::chrono::steady_clock::now() < deadline) return false;
      plan.resume();
      if (arrived) {
        std::string report = "switchover of " + plan.cluster + " done in " + std::to_string(elapsed_ms()) +
                             "ms: primary " + (old_primary.empty() ? std::string("none") : old_primary) + " -> " +
                             primary;
        log::warn(report);
        done(true, report);
      } else {
        done(false, "switchover of " + plan.cluster + ": no new primary within the timeout (primary is " +
                        (primary.empty() ? std::string("none") : primary) + "); resumed");
      }
      return true;
    });
  };
  wait_until_idle(shared_plan->busy_on, shared_plan->timeout,
                  [shared_plan, elapsed_ms, await_primary, done](size_t busy) {
                    const SwitchoverPlan& plan = *shared_plan;
                    if (busy > 0) {
                      plan.resume();
                      done(false, "switchover of " + plan.cluster + " abandoned: " + std::to_string(busy) + " " +
                                      plan.busy_noun + " still running after the timeout; resumed");
                      return;
                    }
                    if (!plan.promote) {
                      log::info("switchover of cluster ", plan.cluster, ": no ", plan.idle_noun, " in flight after ", elapsed_ms(),
                                "ms; promote now");
                      await_primary();
                      return;
                    }
                    log::info("switchover of cluster ", plan.cluster, ": no ", plan.idle_noun, " in flight after ", elapsed_ms(),
                              "ms; asking Sentinel to fail over");
                    plan.promote([shared_plan, await_primary, done](std::string problem) {
                      if (problem.empty()) {
                        await_primary();
                        return;
                      }
                      shared_plan->resume();
                      done(false, "switchover of " + shared_plan->cluster + ": " + problem + "; resumed");
                    });
                  });
}

}  // namespace sy::control
