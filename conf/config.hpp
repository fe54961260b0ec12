// The validated configuration value. conf/loader.cpp builds it from TOML;
// once built it is immutable and shared (shared_ptr<const Config>) by the
// control thread and the workers. Runtime state (health, drain, weight
// overrides) is not here: it lives in balancer/ and survives reloads by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conf/address.hpp"
#include "conf/http_config.hpp"
#include "conf/postgres_config.hpp"
#include "conf/redis_config.hpp"
#include "conf/source_position.hpp"
#include "conf/status_ranges.hpp"
#include "conf/tls_config.hpp"

namespace sy::conf {

using Duration = std::chrono::milliseconds;

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };
enum class Protocol { tcp, http, postgres, redis };
enum class BalanceAlgorithm { round_robin, least_conn, random_two, hash };
enum class ListenerTarget { any, primary, replica };
enum class HealthCheckKind { none, tcp, postgres, http, patroni, redis };

// The check kinds that learn each server's role (PostgreSQL primary or
// replica, timeline, WAL positions; Redis master or replica, replication
// offset): their backends route by role.
inline bool reports_roles(HealthCheckKind kind) {
  return kind == HealthCheckKind::postgres || kind == HealthCheckKind::patroni || kind == HealthCheckKind::redis;
}

// The worker threads `workers = configured` runs: that many, or one per CPU for 0.
unsigned worker_count(unsigned configured);

struct Global {
  unsigned workers = 0;  // 0: one per CPU
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::text;
  std::string admin_socket = "/run/switchyard/admin.sock";
  Duration shutdown_timeout = std::chrono::seconds(30);
  std::optional<Address> metrics_bind;  // Prometheus endpoint; off when unset
};

struct HealthCheck {
  HealthCheckKind kind = HealthCheckKind::tcp;
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::seconds(1);
  unsigned rise = 2;
  unsigned fall = 3;
  // Consecutive failed connects from live traffic that mark a server down
  // before the next check would (0 disables passive marking).
  unsigned passive_fall = 3;
  // type = "postgres": how the checker logs in (it keeps its connection).
  // type = "redis": AUTH [user] password before PING and ROLE, when a
  // password is set (user "" there: the default user).
  std::string user = "postgres";
  std::string password;
  std::string dbname = "postgres";
  // type = "http": the request sent and the answer that passes.
  std::string method = "GET";
  std::string path = "/";
  std::string host;  // Host header; empty: the server's host as written
  std::vector<StatusRange> expect_status = {{200, 399}};
  std::string expect_body;  // a substring of the body's first 64 KiB; empty: not checked
  // http, patroni (and any kind): the port probed instead of the server's
  // own, e.g. Patroni's REST API; 0: the server's port. Servers may override.
  uint16_t port = 0;
};

struct Server {
  std::string name;
  Address address;
  unsigned weight = 100;  // 0..1000; 0 means "configured but gets nothing"
  bool backup = false;
  uint16_t check_port = 0;  // health checks probe this port; 0: health_check.port
  SourcePosition position;
};

// [backend.sentinel]: a Redis backend whose servers Redis Sentinel knows:
// the master and replicas are learned from the Sentinels.
struct SentinelSettings {
  std::string master_name;
  std::vector<Address> sentinels;  // the first ones asked; more are learned from them
  std::string user;                // AUTH to the Sentinels (their requirepass / ACL user)
  std::string password;
  Duration poll_interval = std::chrono::seconds(1);
  Duration timeout = std::chrono::milliseconds(500);  // each connect and each round of answers
};

struct Backend {
  std::string name;
  BalanceAlgorithm balance = BalanceAlgorithm::round_robin;
  Duration connect_timeout = std::chrono::seconds(2);
  unsigned retries = 2;  // further servers tried after a failed connect
  // A server coming back (health down -> up, or maint/drain -> ready) ramps
  // its weight up linearly over this window; 0: at full weight at once.
  Duration slow_start = Duration(0);
  HashOn hash_on = HashOn::source;  // balance = "hash": what is hashed
  std::string hash_name;            // hash_on header or cookie: its name
  ProxyProtocol send_proxy = ProxyProtocol::none;
  HealthCheck health_check;
  HttpBackend http;
  BackendTls tls;  // [backend.tls]: TLS to the servers
  RedisBackend redis;  // [backend.redis]: used by redis listeners
  OutlierEjection outlier_ejection;
  std::optional<SentinelSettings> sentinel;  // servers may then be left out
  std::vector<Server> servers;
  SourcePosition position;

  const Server* find_server(std::string_view server_name) const;
  // Where the health checks of `server` connect: its address, with the port
  // replaced by check_port or health_check.port when set.
  Address check_address(const Server& server) const;
};

struct Listener {
  std::string name;
  Address bind;
  Protocol protocol = Protocol::tcp;
  std::string backend;  // tcp and http; a postgres listener serves every [[database]]
  unsigned max_connections = 10000;
  Duration idle_timeout = std::chrono::minutes(5);
  bool accept_proxy = false;  // clients start with a PROXY protocol header (tcp, http)
  // tcp: which servers of a role-checked backend take connections; a
  // connection whose server loses that role is closed.
  ListenerTarget target = ListenerTarget::any;
  HttpListener http;          // protocol = "http" only
  RedisListener redis;        // protocol = "redis" only
  ListenerTls tls;            // [listener.tls]: TLS termination
  std::vector<HttpRoute> routes;
  SourcePosition position;
};

struct Config {
  std::string source_path;
  Global global;
  std::vector<Listener> listeners;
  std::vector<Backend> backends;
  PostgresGlobal postgres;
  std::vector<Database> databases;
  std::vector<User> users;

  const Backend* find_backend(std::string_view name) const;
  const Database* find_database(std::string_view name) const;
  const User* find_user(std::string_view name) const;
  const Listener* find_listener(std::string_view name) const;
  // The number of worker threads to run: global.workers, or one per CPU.
  unsigned effective_workers() const;
};

std::string_view to_string(LogLevel);
std::string_view to_string(LogFormat);
std::string_view to_string(Protocol);
std::string_view to_string(BalanceAlgorithm);
std::string_view to_string(HealthCheckKind);
std::string_view to_string(PoolMode);
std::string_view to_string(AuthMethod);
std::string_view to_string(DatabaseTarget);
std::string_view to_string(ProxyProtocol);
std::string_view to_string(HashOn);
std::string_view to_string(ListenerTarget);

}  // namespace sy::conf
