// show pools / clients / databases; see postgres_commands.hpp. Worker state
// is read on each worker's own thread (Control::visit_workers) and merged
// here on the control thread.
#include "proxy/admin/postgres_commands.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "proxy/admin/request.hpp"
#include "proxy/control/control.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::admin {
namespace {

struct PoolTally {
  std::string pool_mode;
  int64_t clients_active = 0, clients_waiting = 0, clients_idle = 0;
  int64_t servers_active = 0, servers_idle = 0, servers_opening = 0;
  int64_t max_wait_ms = 0;
};

using postgres::PoolKey;

void tally_worker(core::Worker& worker, std::map<PoolKey, PoolTally>& out) {
  if (!postgres::PostgresFront::if_started(worker)) return;
  auto& front = *postgres::PostgresFront::if_started(worker);
  uint64_t now = uv_now(worker.loop());
  for (const auto& [key, pool] : front.pools()) {
    PoolTally& tally = out[key];
    if (const conf::Database* settings = pool->settings()) tally.pool_mode = std::string(conf::to_string(settings->pool_mode));
    for (const postgres::ServerConnection* server : pool->servers()) {
      switch (server->state()) {
        case postgres::ServerConnection::State::active: ++tally.servers_active; break;
        case postgres::ServerConnection::State::idle: ++tally.servers_idle; break;
        case postgres::ServerConnection::State::connecting:
        case postgres::ServerConnection::State::login: ++tally.servers_opening; break;
        default: break;
      }
    }
  }
  for (const auto& [pid, client] : front.clients()) {
    PoolTally& tally = out[client->pool_key()];
    switch (client->state()) {
      case postgres::ClientConnection::State::active: ++tally.clients_active; break;
      case postgres::ClientConnection::State::waiting:
        ++tally.clients_waiting;
        tally.max_wait_ms = std::max<int64_t>(tally.max_wait_ms, static_cast<int64_t>(now - client->waiting_since()));
        break;
      default: ++tally.clients_idle; break;
    }
  }
}

// Where the server's data is: PostgreSQL's WAL position as an LSN ("0/3000148"),
// Redis' replication offset as a number of bytes; "-" before the first answer.
Cell position(const conf::Backend& backend, const balancer::ServerRuntime& state) {
  if (state.wal_lsn == 0) return Cell("-");
  if (backend.health_check.kind == conf::HealthCheckKind::redis) return Cell(state.wal_lsn);
  char lsn[32];
  std::snprintf(lsn, sizeof lsn, "%X/%X", static_cast<unsigned>(state.wal_lsn >> 32),
                static_cast<unsigned>(state.wal_lsn & 0xffffffffu));
  return Cell(std::string(lsn));
}

}  // namespace

std::optional<Reply> show_pools(Request& request) {
  auto per_worker = std::make_shared<std::vector<std::map<PoolKey, PoolTally>>>(request.control.worker_count());
  auto& control = request.control;
  bool json = request.json;
  control.visit_workers(
      [per_worker](core::Worker& worker) { tally_worker(worker, (*per_worker)[worker.index()]); },
      [per_worker, json, respond = request.respond, &control] {
        std::map<PoolKey, PoolTally> total;
        for (const auto& worker : *per_worker) {
          for (const auto& [key, tally] : worker) {
            PoolTally& sum = total[key];
            if (!tally.pool_mode.empty()) sum.pool_mode = tally.pool_mode;
            sum.clients_active += tally.clients_active;
            sum.clients_waiting += tally.clients_waiting;
            sum.clients_idle += tally.clients_idle;
            sum.servers_active += tally.servers_active;
            sum.servers_idle += tally.servers_idle;
            sum.servers_opening += tally.servers_opening;
            sum.max_wait_ms = std::max(sum.max_wait_ms, tally.max_wait_ms);
          }
        }
        Table table{{"database", "user", "target", "pool_mode", "clients_active", "clients_waiting", "clients_idle",
                     "servers_active", "servers_idle", "servers_opening", "max_wait_ms", "transactions",
                     "total_wait_ms"},
                    {}};
        for (const auto& [key, sum] : total) {
          auto& counters = postgres::PostgresFrontFactory::counters_in(control.fronts()).pool(key);
          table.rows.push_back({key.database, key.user, conf::to_string(key.target), sum.pool_mode, sum.clients_active, sum.clients_waiting,
                                sum.clients_idle, sum.servers_active, sum.servers_idle, sum.servers_opening,
                                sum.max_wait_ms, static_cast<uint64_t>(counters.transactions.load()),
                                static_cast<uint64_t>(counters.wait_time_us.load() / 1000)});
        }
        respond(render(table, json));
      });
  return std::nullopt;
}

std::optional<Reply> show_clients(Request& request) {
  using Rows = std::vector<std::vector<Cell>>;
  auto per_worker = std::make_shared<std::vector<Rows>>(request.control.worker_count());
  bool json = request.json;
  request.control.visit_workers(
      [per_worker](core::Worker& worker) {
        uint64_t now = uv_now(worker.loop());
        Rows& rows = (*per_worker)[worker.index()];
        if (!postgres::PostgresFront::if_started(worker)) return;
        for (const auto& [pid, client] : postgres::PostgresFront::if_started(worker)->clients()) {
          std::string server = "-";
          if (const auto* linked = client->server())
            server = linked->pick().backend->name() + "/" + linked->pick().server().name() + ":" +
                     std::to_string(linked->backend_pid());
          rows.push_back({client->user(), client->database(), client->state_name(), client->peer(), worker.index(),
                          static_cast<int64_t>(pid), static_cast<int64_t>((now - client->connected_at()) / 1000),
                          server});
        }
      },
      [per_worker, json, respond = request.respond] {
        Table table{{"user", "database", "state", "address", "worker", "process_id", "connected_s", "server"}, {}};
        for (auto& rows : *per_worker)
          for (auto& row : rows) table.rows.push_back(std::move(row));
        respond(render(table, json));
      });
  return std::nullopt;
}

std::optional<Reply> show_databases(Request& request) {
  const conf::Config& config = request.control.runtime().config();
  Table table{{"database", "backend", "dbname", "pool_mode", "pool_size", "min_pool_size", "reserve_pool",
               "max_db_connections", "max_client_conn", "clients", "servers"},
              {}};
  for (const auto& database : config.databases) {
    auto& counters = postgres::PostgresFrontFactory::counters_in(request.control.fronts()).database(database.name);
    table.rows.push_back({database.name, database.backend, database.dbname, conf::to_string(database.pool_mode),
                          database.pool_size, database.min_pool_size, database.reserve_pool,
                          database.max_db_connections, database.max_client_conn,
                          static_cast<int64_t>(counters.clients.load()), static_cast<int64_t>(counters.servers.load())});
  }
  return render(table, request.json);
}

std::optional<Reply> show_clusters(Request& request) {
  const auto& runtime = request.control.runtime();
  Table table{{"cluster", "server", "address", "role", "health", "admin", "timeline", "position", "lag_bytes",
               "lag_ms", "last_role_check_ms_ago"},
              {}};
  auto now = std::chrono::steady_clock::now();
  for (const auto& backend : runtime.config().backends) {
    if (!conf::reports_roles(backend.health_check.kind)) continue;
    for (const auto& server : backend.servers) {
      const auto* state = runtime.find(backend.name, server.name);
      if (!state) continue;
      int64_t seen = state->role_seen_at == std::chrono::steady_clock::time_point{}
                         ? -1
                         : std::chrono::duration_cast<std::chrono::milliseconds>(now - state->role_seen_at).count();
      bool replica = state->role == balancer::Role::replica;
      table.rows.push_back({backend.name, server.name, server.address.to_string(), balancer::to_string(state->role),
                            balancer::to_string(state->health), balancer::to_string(state->admin),
                            static_cast<unsigned>(state->timeline), position(backend, *state),
                            replica ? Cell(static_cast<uint64_t>(state->counters->replica_lag_bytes.load())) : Cell("-"),
                            replica ? Cell(static_cast<uint64_t>(state->counters->replica_lag_ms.load())) : Cell("-"),
                            seen});
    }
  }
  return render(table, request.json);
}

std::optional<Reply> pause_database(Request& request) {
  std::string database(request.args[0]);
  if (auto problem = request.control.set_database_paused(database, true); !problem.empty()) return error(problem);
  const conf::Database* settings = request.control.runtime().config().find_database(database);
  request.control.wait_until_idle(control::Control::transactions_in({database}), settings->failover_timeout,
                                  [database, respond = request.respond](size_t busy) {
    if (busy == 0) respond(Reply{true, "database " + database + " paused; no transaction in flight\n"});
    else respond(Reply{true, "database " + database + " paused; " + std::to_string(busy) +
                                 " transaction(s) still in flight after failover_timeout\n"});
  });
  return std::nullopt;
}

std::optional<Reply> resume_database(Request& request) {
  std::string database(request.args[0]);
  if (auto problem = request.control.set_database_paused(database, false); !problem.empty()) return error(problem);
  return Reply{true, "database " + database + " resumed\n"};
}

std::optional<Reply> switchover(Request& request) {
  std::string cluster(request.args[0]);
  std::string target = request.args.size() > 1 ? std::string(request.args[1]) : std::string();
  request.control.switchover(cluster, target, [respond = request.respond](bool ok, std::string report) {
    respond(Reply{ok, report + "\n"});
  });
  return std::nullopt;
}

}  // namespace sy::admin
