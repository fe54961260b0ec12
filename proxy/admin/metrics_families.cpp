// The metric families; see metrics_families.hpp. Each family is declared
// once, in the order of docs/operations.md.
#include "proxy/admin/metrics_families.hpp"

#include <array>
#include <chrono>
#include <limits>
#include <string>
#include <string_view>

#include "balancer/roles.hpp"
#include "proxy/control/control.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/redis/redis_front.hpp"

namespace sy::admin {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr std::array<std::string_view, 6> kStatusClasses = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

// One family being filled: add(labels, value) puts a series in it.
class Family {
 public:
  Family(std::vector<MetricFamily>& out, const char* name, const char* help, MetricType type)
      : out_(out), index_(out.size()) {
    out.push_back(MetricFamily{name, help, type, {}});
  }

  void add(Labels labels, double value) {
    MetricFamily& family = out_[index_];  // by index: `out` grows while families are filled
    ClientMetric metric;
    metric.label = std::move(labels);
    if (family.type == MetricType::Counter) metric.counter.value = value;
    else metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
  }

 private:
  std::vector<MetricFamily>& out_;
  size_t index_;
};

void add_listeners(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family active(out, "switchyard_listener_connections", "client connections open now", MetricType::Gauge);
  Family accepted(out, "switchyard_listener_accepted_total", "client connections accepted", MetricType::Counter);
  Family rejected(out, "switchyard_listener_rejected_total",
                  "client connections refused at once (over max_connections)", MetricType::Counter);
  Family pauses(out, "switchyard_listener_accept_pauses_total",
                "times a worker stopped accepting for a while because the process ran out of file descriptors",
                MetricType::Counter);
  Family responses(out, "switchyard_http_responses_total",
                   "HTTP responses sent to clients by status class (none: the exchange ended without one)",
                   MetricType::Counter);
  Family retries(out, "switchyard_http_retries_total", "HTTP requests sent again to another server",
                 MetricType::Counter);
  for (const auto& [name, state] : control.listeners()) {
    const conf::Listener* listener = control.runtime().config().find_listener(name);
    Labels labels{{"listener", name}, {"protocol", std::string(listener ? conf::to_string(listener->protocol) : "")}};
    active.add(labels, static_cast<double>(state.counters->active.load(std::memory_order_relaxed)));
    accepted.add(labels, static_cast<double>(state.counters->accepted.load(std::memory_order_relaxed)));
    rejected.add(labels, static_cast<double>(state.counters->rejected.load(std::memory_order_relaxed)));
    pauses.add(labels, static_cast<double>(state.counters->accept_pauses.load(std::memory_order_relaxed)));
    if (!listener || listener->protocol != conf::Protocol::http) continue;
    for (size_t status_class = 0; status_class < kStatusClasses.size(); ++status_class) {
      Labels with_code = labels;
      with_code.push_back({"code", std::string(kStatusClasses[status_class])});
      responses.add(std::move(with_code),
                    static_cast<double>(state.counters->http_responses[status_class].load(std::memory_order_relaxed)));
    }
    retries.add(labels, static_cast<double>(state.counters->http_retries.load(std::memory_order_relaxed)));
  }
}

void add_tls(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family handshakes(out, "switchyard_tls_handshakes_total", "TLS handshakes completed with clients",
                    MetricType::Counter);
  Family resumed(out, "switchyard_tls_resumed_total", "client TLS handshakes that resumed a session",
                 MetricType::Counter);
  Family failures(out, "switchyard_tls_handshake_failures_total", "client TLS handshakes that failed, by reason",
                  MetricType::Counter);
  Family expiry(out, "switchyard_tls_certificate_expiry_seconds",
                "seconds until a served certificate expires (negative: expired)", MetricType::Gauge);
  for (const auto& [name, state] : control.listeners()) {
    const conf::Listener* listener = control.runtime().config().find_listener(name);
    if (!listener || !listener->tls.enabled) continue;
    const auto& counters = *state.counters;
    handshakes.add({{"listener", name}}, static_cast<double>(counters.tls_handshakes.load(std::memory_order_relaxed)));
    resumed.add({{"listener", name}}, static_cast<double>(counters.tls_resumed.load(std::memory_order_relaxed)));
    for (size_t reason = 1; reason < counters.tls_failures.size(); ++reason) {
      std::string reason_name = reason == core::ListenerCounters::kTlsTimeout
                                    ? "timeout"
                                    : std::string(tls::error_name(static_cast<tls::TlsError>(reason)));
      failures.add({{"listener", name}, {"reason", reason_name}},
                   static_cast<double>(counters.tls_failures[reason].load(std::memory_order_relaxed)));
    }
  }
  const auto& contexts = control.tls_contexts();
  if (!contexts) return;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [listener, context] : contexts->listeners())
    for (const auto& info : context->certificates())
      expiry.add({{"listener", listener}, {"subject", info.subject}, {"serial", info.serial}},
                 static_cast<double>(info.not_after - now));
}

void add_servers(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family up(out, "switchyard_server_up", "1 if the server passes its health checks", MetricType::Gauge);
  Family admin(out, "switchyard_server_admin_state", "1 for the operator state the server is in (ready, drain, maint)",
               MetricType::Gauge);
  Family weight(out, "switchyard_server_weight", "effective weight (override or configured)", MetricType::Gauge);
  Family active(out, "switchyard_server_connections", "connections to the server in use now", MetricType::Gauge);
  Family total(out, "switchyard_server_connections_total", "connections handed to the server", MetricType::Counter);
  Family failures(out, "switchyard_server_connect_failures_total", "failed connects to the server",
                  MetricType::Counter);
  Family received(out, "switchyard_server_received_bytes_total", "bytes read from the server", MetricType::Counter);
  Family sent(out, "switchyard_server_sent_bytes_total", "bytes written to the server", MetricType::Counter);
  Family ejected(out, "switchyard_server_ejected", "1 while passive outlier ejection keeps the server out",
                 MetricType::Gauge);
  Family http_responses(out, "switchyard_server_http_responses_total", "HTTP responses from the server by status class",
                        MetricType::Counter);
  Family role(out, "switchyard_server_role",
              "PostgreSQL role checks: 1 for the server's role (primary, replica, fenced, unknown)", MetricType::Gauge);
  Family timeline(out, "switchyard_server_timeline", "PostgreSQL timeline the server reports", MetricType::Gauge);
  Family lag_bytes(out, "switchyard_replica_lag_bytes", "WAL bytes a replica is behind the primary",
                   MetricType::Gauge);
  Family lag_seconds(out, "switchyard_replica_lag_seconds", "how far behind in time a replica is", MetricType::Gauge);
  const auto& snapshot = control.published();
  if (!snapshot) return;
  for (const auto& backend : snapshot->backends) {
    for (const auto& server : backend.servers) {
      Labels labels{{"backend", backend.name()}, {"server", server.name()}};
      const auto& counters = *server.counters;
      up.add(labels, server.health == balancer::Health::up ? 1 : 0);
      for (auto state : {balancer::AdminState::ready, balancer::AdminState::drain, balancer::AdminState::maint}) {
        Labels with_state = labels;
        with_state.push_back({"state", std::string(balancer::to_string(state))});
        admin.add(std::move(with_state), server.admin == state ? 1 : 0);
      }
      weight.add(labels, server.weight);
      active.add(labels, static_cast<double>(counters.active.load(std::memory_order_relaxed)));
      total.add(labels, static_cast<double>(counters.total.load(std::memory_order_relaxed)));
      failures.add(labels, static_cast<double>(counters.connect_failures.load(std::memory_order_relaxed)));
      received.add(labels, static_cast<double>(counters.bytes_in.load(std::memory_order_relaxed)));
      sent.add(labels, static_cast<double>(counters.bytes_out.load(std::memory_order_relaxed)));
      ejected.add(labels, server.ejected ? 1 : 0);
      for (size_t status_class = 1; status_class < kStatusClasses.size(); ++status_class) {
        uint64_t count = counters.http_responses[status_class].load(std::memory_order_relaxed);
        if (count == 0) continue;  // tcp and postgres servers have none
        Labels with_code = labels;
        with_code.push_back({"code", std::string(kStatusClasses[status_class])});
        http_responses.add(std::move(with_code), static_cast<double>(count));
      }
      if (!backend.roles_known()) continue;
      for (auto each : {balancer::Role::primary, balancer::Role::replica, balancer::Role::fenced,
                        balancer::Role::unknown}) {
        Labels with_role = labels;
        with_role.push_back({"role", std::string(balancer::to_string(each))});
        role.add(std::move(with_role), server.role == each ? 1 : 0);
      }
      timeline.add(labels, server.timeline);
      if (server.role != balancer::Role::replica) continue;
      lag_bytes.add(labels, static_cast<double>(counters.replica_lag_bytes.load(std::memory_order_relaxed)));
      lag_seconds.add(labels, counters.replica_lag_ms.load(std::memory_order_relaxed) / 1000.0);
    }
  }
}

void add_postgres(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family clients(out, "switchyard_pg_clients", "PostgreSQL client connections logged in, per database",
                 MetricType::Gauge);
  Family paused(out, "switchyard_pg_database_paused", "1 while the operator has paused the database",
                MetricType::Gauge);
  Family servers(out, "switchyard_pg_pool_server_connections", "server connections of the pool (open or opening)",
                 MetricType::Gauge);
  Family waiting(out, "switchyard_pg_pool_clients_waiting", "clients waiting for a server connection",
                 MetricType::Gauge);
  Family transactions(out, "switchyard_pg_pool_transactions_total",
                      "transactions (session mode: sessions) that ran on the pool", MetricType::Counter);
  Family queries(out, "switchyard_pg_pool_queries_total", "queries that ran on the pool", MetricType::Counter);
  Family wait_time(out, "switchyard_pg_pool_wait_seconds_total", "time clients spent waiting for a server",
                   MetricType::Counter);
  const auto& paused_databases = control.runtime().paused_databases();
  for (const auto& database : control.runtime().config().databases)
    paused.add({{"database", database.name}}, paused_databases.count(database.name) ? 1 : 0);
  auto& shared = postgres::PostgresFrontFactory::counters_in(control.fronts());
  shared.for_each_database([&](const std::string& name, const postgres::DatabaseCounters& counters) {
    clients.add({{"database", name}}, counters.clients.load(std::memory_order_relaxed));
  });
  shared.for_each_pool([&](const postgres::PoolKey& key, const postgres::PoolCounters& counters) {
    Labels labels{{"database", key.database}, {"user", key.user}, {"target", std::string(conf::to_string(key.target))}};
    servers.add(labels, counters.servers.load(std::memory_order_relaxed));
    waiting.add(labels, counters.waiting.load(std::memory_order_relaxed));
    transactions.add(labels, static_cast<double>(counters.transactions.load(std::memory_order_relaxed)));
    queries.add(labels, static_cast<double>(counters.queries.load(std::memory_order_relaxed)));
    wait_time.add(labels, counters.wait_time_us.load(std::memory_order_relaxed) / 1e6);
  });
}

void add_failovers(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family changes(out, "switchyard_backend_primary_changes_total",
                 "times another server became the primary (PostgreSQL) or master (Redis) of a role-checked backend",
                 MetricType::Counter);
  for (const auto& backend : control.runtime().config().backends) {
    if (!conf::reports_roles(backend.health_check.kind)) continue;
    auto found = control.primary_changes().find(backend.name);
    changes.add({{"backend", backend.name}},
                static_cast<double>(found == control.primary_changes().end() ? 0 : found->second));
  }
}

void add_redis(std::vector<MetricFamily>& out, sy::control::Control& control) {
  Family commands(out, "switchyard_redis_commands_total", "client commands sent to the backend's servers",
                  MetricType::Counter);
  Family errors(out, "switchyard_redis_errors_total",
                "error replies to client commands: from a server, or the proxy's own (no master, limits, lost)",
                MetricType::Counter);
  Family retries(out, "switchyard_redis_retries_total",
                 "commands sent again to the new master (after -READONLY or a connect that failed before sending)",
                 MetricType::Counter);
  Family waits(out, "switchyard_redis_master_waits_total", "times a client's commands waited for a master",
               MetricType::Counter);
  Family replica_reads(out, "switchyard_redis_replica_reads_total",
                       "read-only commands sent to a replica (listeners with read_from)", MetricType::Counter);
  Family refused(out, "switchyard_redis_dedicated_refused_total",
                 "commands refused because max_dedicated connections were in use", MetricType::Counter);
  Family connections(out, "switchyard_redis_server_connections",
                     "connections to the backend's servers, shared or dedicated (open or opening)", MetricType::Gauge);
  MetricFamily latency{"switchyard_redis_command_duration_seconds",
                       "time from the write of a command on a shared connection to its reply",
                       MetricType::Histogram,
                       {}};
  redis::RedisFrontFactory::counters_in(control.fronts())
      .for_each_backend([&](const std::string& name, const redis::BackendTotals& totals) {
        Labels labels{{"backend", name}};
        commands.add(labels, static_cast<double>(totals.commands));
        errors.add({{"backend", name}, {"source", "server"}}, static_cast<double>(totals.server_errors));
        errors.add({{"backend", name}, {"source", "proxy"}}, static_cast<double>(totals.proxy_errors));
        retries.add(labels, static_cast<double>(totals.retries));
        waits.add(labels, static_cast<double>(totals.master_waits));
        refused.add(labels, static_cast<double>(totals.dedicated_refused));
        replica_reads.add(labels, static_cast<double>(totals.replica_reads));
        connections.add({{"backend", name}, {"mode", "shared"}}, static_cast<double>(totals.shared_connections));
        connections.add({{"backend", name}, {"mode", "dedicated"}},
                        static_cast<double>(totals.dedicated_connections));
        ClientMetric metric;
        metric.label = labels;
        uint64_t cumulative = 0;
        for (size_t i = 0; i < redis::kLatencyBucketsUs.size(); ++i) {
          cumulative += totals.latency_buckets[i];
          metric.histogram.bucket.push_back({cumulative, redis::kLatencyBucketsUs[i] / 1e6});
        }
        cumulative += totals.latency_buckets.back();
        metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
        metric.histogram.sample_count = cumulative;
        metric.histogram.sample_sum = totals.latency_sum_us / 1e6;
        latency.metric.push_back(std::move(metric));
      });
  out.push_back(std::move(latency));
}

}  // namespace

std::vector<MetricFamily> collect_metrics(sy::control::Control& control) {
  std::vector<MetricFamily> out;
  Family info(out, "switchyard_build_info", "version of the running binary", MetricType::Gauge);
  info.add({{"version", SWITCHYARD_VERSION}}, 1);
  Family workers(out, "switchyard_workers", "worker threads", MetricType::Gauge);
  workers.add({}, static_cast<double>(control.worker_count()));
  Family reloads(out, "switchyard_config_reloads_total", "configuration reloads, by outcome", MetricType::Counter);
  reloads.add({{"result", "ok"}}, static_cast<double>(control.reloads_ok()));
  reloads.add({{"result", "rejected"}}, static_cast<double>(control.reloads_rejected()));
  add_listeners(out, control);
  add_tls(out, control);
  add_servers(out, control);
  add_failovers(out, control);
  add_postgres(out, control);
  add_redis(out, control);
  return out;
}

}  // namespace sy::admin
