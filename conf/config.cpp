// Lookups and names for the configuration value; see config.hpp.
#include "conf/config.hpp"

#include <thread>

namespace sy::conf {

const Server* Backend::find_server(std::string_view server_name) const {
  for (const auto& server : servers)
    if (server.name == server_name) return &server;
  return nullptr;
}

Address Backend::check_address(const Server& server) const {
  uint16_t port = server.check_port ? server.check_port : health_check.port;
  return port ? with_port(server.address, port) : server.address;
}

const Backend* Config::find_backend(std::string_view name) const {
  for (const auto& backend : backends)
    if (backend.name == name) return &backend;
  return nullptr;
}

const Listener* Config::find_listener(std::string_view name) const {
  for (const auto& listener : listeners)
    if (listener.name == name) return &listener;
  return nullptr;
}

const Database* Config::find_database(std::string_view name) const {
  for (const auto& database : databases)
    if (database.name == name) return &database;
  return nullptr;
}

const User* Config::find_user(std::string_view name) const {
  for (const auto& user : users)
    if (user.name == name) return &user;
  return nullptr;
}

unsigned worker_count(unsigned configured) {
  if (configured > 0) return configured;
  unsigned cpus = std::thread::hardware_concurrency();
  return cpus > 0 ? cpus : 1;
}

unsigned Config::effective_workers() const { return worker_count(global.workers); }

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "?";
}

std::string_view to_string(LogFormat format) { return format == LogFormat::json ? "json" : "text"; }

std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::tcp: return "tcp";
    case Protocol::http: return "http";
    case Protocol::postgres: return "postgres";
    case Protocol::redis: return "redis";
  }
  return "?";
}

std::string_view to_string(BalanceAlgorithm algorithm) {
  switch (algorithm) {
    case BalanceAlgorithm::round_robin: return "round_robin";
    case BalanceAlgorithm::least_conn: return "least_conn";
    case BalanceAlgorithm::random_two: return "random_two";
    case BalanceAlgorithm::hash: return "hash";
  }
  return "?";
}

std::string_view to_string(HealthCheckKind kind) {
  switch (kind) {
    case HealthCheckKind::none: return "none";
    case HealthCheckKind::tcp: return "tcp";
    case HealthCheckKind::postgres: return "postgres";
    case HealthCheckKind::http: return "http";
    case HealthCheckKind::patroni: return "patroni";
    case HealthCheckKind::redis: return "redis";
  }
  return "?";
}

std::string_view to_string(PoolMode mode) {
  switch (mode) {
    case PoolMode::session: return "session";
    case PoolMode::transaction: return "transaction";
    case PoolMode::statement: return "statement";
  }
  return "?";
}

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::trust: return "trust";
    case AuthMethod::password: return "password";
    case AuthMethod::md5: return "md5";
    case AuthMethod::scram_sha_256: return "scram-sha-256";
  }
  return "?";
}

std::string_view to_string(DatabaseTarget target) {
  switch (target) {
    case DatabaseTarget::primary: return "primary";
    case DatabaseTarget::replica: return "replica";
    case DatabaseTarget::prefer_replica: return "prefer_replica";
    case DatabaseTarget::any: return "any";
  }
  return "?";
}

std::string_view to_string(ProxyProtocol protocol) {
  switch (protocol) {
    case ProxyProtocol::none: return "none";
    case ProxyProtocol::v1: return "v1";
    case ProxyProtocol::v2: return "v2";
  }
  return "?";
}

std::string_view to_string(ListenerTarget target) {
  switch (target) {
    case ListenerTarget::any: return "any";
    case ListenerTarget::primary: return "primary";
    case ListenerTarget::replica: return "replica";
  }
  return "?";
}

std::string_view to_string(HashOn on) {
  switch (on) {
    case HashOn::source: return "source";
    case HashOn::path: return "path";
    case HashOn::header: return "header";
    case HashOn::cookie: return "cookie";
  }
  return "?";
}

}  // namespace sy::conf
