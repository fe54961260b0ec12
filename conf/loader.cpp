// TOML text -> validated Config. Each table is read key by key through its
// rows in the schema (TableReader::read_keys), then the rules between its
// keys are checked (check_<section>()); then what spans tables: unique names
// and binds, references to defined backends. Every problem found is
// reported, each at its place in the file.
#include "conf/loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conf/http_loader.hpp"
#include "conf/tls_loader.hpp"
#include "conf/redis_loader.hpp"
#include "conf/postgres_loader.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

std::string Diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

void read_global(const toml::table& table, Global& global, Diagnostics& diagnostics) {
  TableReader reader(table, "global", diagnostics);
  reader.read_keys(global);
  report_unknown_keys(table, "global", diagnostics);
}

// The rules between a listener's keys, once each key is read.
void check_listener(const toml::table& table, const Listener& listener, TableReader& reader) {
  if (listener.protocol == Protocol::postgres && table.contains("backend"))
    reader.error_at("backend", "a postgres listener has no backend: each [[database]] names its own");
  // An http listener may route every request with [[listener.route]] rules.
  if ((listener.protocol == Protocol::tcp || listener.protocol == Protocol::redis) && !table.contains("backend"))
    reader.error_at("backend", "missing required key \"backend\"");
  if (listener.target != ListenerTarget::any && listener.protocol != Protocol::tcp)
    reader.error_at("target", "target is for tcp listeners (postgres databases have their own target)");
  if (listener.accept_proxy && listener.protocol == Protocol::postgres)
    reader.error_at("accept_proxy", "accept_proxy is for tcp and http listeners");
}

Listener read_listener(const toml::table& table, Diagnostics& diagnostics) {
  Listener listener;
  listener.position = position_of(table);
  TableReader reader(table, "listener", diagnostics);
  reader.read_key("name", listener);
  if (!listener.name.empty()) reader.set_subject("listener " + quoted(listener.name));
  reader.read_keys(listener);
  check_listener(table, listener, reader);
  read_listener_http(table, reader.subject(), listener, diagnostics);
  read_listener_tls(table, reader.subject(), listener, diagnostics);
  read_listener_redis(table, reader.subject(), listener, diagnostics);
  report_unknown_keys(table, "listener", diagnostics);
  return listener;
}

// The rules between a health check's keys, once each key is read, and the
// defaults that depend on its type.
void check_health_check(const toml::table& table, HealthCheck& check, TableReader& reader) {
  // The keys of type = "http"; set for another type they are an error, since
  // the check would silently ignore them.
  if (check.kind != HealthCheckKind::http)
    for (std::string_view key : {"method", "path", "host", "expect_status", "expect_body"})
      if (table.contains(key))
        reader.error_at(key, std::string(key) + " applies to type \"http\" only; this check is type " +
                                 quoted(to_string(check.kind)));
  if (check.kind == HealthCheckKind::postgres) {
    // Failover is noticed within a second or two at these defaults.
    if (!table.contains("interval")) check.interval = std::chrono::milliseconds(500);
    if (!table.contains("timeout")) check.timeout = std::min<Duration>(check.interval, std::chrono::milliseconds(500));
  }
  if (check.kind == HealthCheckKind::redis) {
    // As quick as PostgreSQL's checks; Redis answers PING and ROLE at once.
    if (!table.contains("interval")) check.interval = std::chrono::milliseconds(500);
    if (!table.contains("timeout")) check.timeout = std::min<Duration>(check.interval, std::chrono::milliseconds(500));
    // No user: AUTH <password> logs in as Redis' default user.
    if (!table.contains("user")) check.user.clear();
    if (!check.user.empty() && check.password.empty())
      reader.error_at("user", "user needs password: type \"redis\" logs in with AUTH <user> <password>");
  }
  if (check.kind == HealthCheckKind::patroni) {
    // Patroni's REST API is a Python server that runs a query per request:
    // once a second per node is plenty (Patroni itself acts every loop_wait).
    if (!table.contains("interval")) check.interval = std::chrono::seconds(1);
    if (!table.contains("timeout")) check.timeout = std::min<Duration>(check.interval, std::chrono::seconds(1));
  }
  // A probe outliving the interval would overlap the next one.
  if (check.timeout > check.interval) {
    auto shown = [&](std::string_view key, Duration value) {
      return format_duration(value) + (table.contains(key) ? "" : " (the default)");
    };
    reader.error_at(
        table.contains("timeout") ? "timeout" : "interval",
        "timeout " + shown("timeout", check.timeout) + " is longer than interval " + shown("interval", check.interval));
  }
}

void read_health_check(const toml::table& table, const std::string& backend_subject, HealthCheck& check,
                       Diagnostics& diagnostics) {
  TableReader reader(table, "backend.health_check", diagnostics);
  reader.set_subject(backend_subject + " health_check");
  reader.read_keys(check);
  check_health_check(table, check, reader);
  report_unknown_keys(table, "backend.health_check", diagnostics);
}

void read_sentinel(const toml::table& table, const std::string& backend_subject, SentinelSettings& sentinel,
                   Diagnostics& diagnostics) {
  TableReader reader(table, "backend.sentinel", diagnostics);
  reader.set_subject(backend_subject + " sentinel");
  reader.read_keys(sentinel);
  if (!sentinel.user.empty() && sentinel.password.empty())
    reader.error_at("user", "user needs password: the Sentinels are asked after AUTH <user> <password>");
  report_unknown_keys(table, "backend.sentinel", diagnostics);
}

Server read_server(const toml::table& table, const std::string& backend_subject, Diagnostics& diagnostics) {
  Server server;
  server.position = position_of(table);
  TableReader reader(table, "backend.server", diagnostics);
  reader.set_subject(backend_subject + " server");
  reader.read_key("name", server);
  if (!server.name.empty()) reader.set_subject(backend_subject + " server " + quoted(server.name));
  reader.read_keys(server);
  report_unknown_keys(table, "backend.server", diagnostics);
  return server;
}

// The rules between a backend's own keys, once each key is read.
void check_backend(const toml::table& table, const Backend& backend, TableReader& reader) {
  bool named = backend.hash_on == HashOn::header || backend.hash_on == HashOn::cookie;
  if (named && backend.hash_name.empty())
    reader.error_at("hash_on", "hash_on = " + quoted(to_string(backend.hash_on)) + " needs hash_name");
  if (!named && table.contains("hash_name"))
    reader.error_at("hash_name", "hash_name is for hash_on = \"header\" or \"cookie\"");
}

// The rules between a backend and its servers, once all are read.
void check_backend_servers(const toml::table& table, const Backend& backend,
                           const std::vector<const toml::table*>& server_tables, TableReader& reader,
                           Diagnostics& diagnostics) {
  const toml::array* declared = table.get_as<toml::array>("server");
  // Sentinel names the servers of a [backend.sentinel] backend.
  if (backend.servers.empty() && !backend.sentinel && (!table.contains("server") || (declared && declared->empty())))
    reader.error_at("server", "no servers; add at least one [[backend.server]]");
  report_duplicate_names(backend.servers, server_tables, reader.subject() + ": ", "server", diagnostics);
  // Patroni answers on its own port, never on PostgreSQL's.
  if (backend.health_check.kind == HealthCheckKind::patroni && backend.health_check.port == 0) {
    for (size_t i = 0; i < backend.servers.size(); ++i)
      if (backend.servers[i].check_port == 0)
        diagnostics.add(position_of(*server_tables[i]),
                        reader.subject() + " server " + quoted(backend.servers[i].name) +
                            ": type \"patroni\" checks need the port of Patroni's REST API: set port in "
                            "[backend.health_check] (Patroni's default is 8008) or check_port here");
  }
}

Backend read_backend(const toml::table& table, Diagnostics& diagnostics) {
  Backend backend;
  backend.position = position_of(table);
  TableReader reader(table, "backend", diagnostics);
  reader.read_key("name", backend);
  if (!backend.name.empty()) reader.set_subject("backend " + quoted(backend.name));
  reader.read_keys(backend);
  check_backend(table, backend, reader);
  read_backend_http(table, reader.subject(), backend, diagnostics);
  read_backend_tls(table, reader.subject(), backend, diagnostics);
  read_backend_redis(table, reader.subject(), backend, diagnostics);

  if (const toml::table* check = single_table(table, "backend.health_check", reader.subject() + ": ", diagnostics))
    read_health_check(*check, reader.subject(), backend.health_check, diagnostics);

  if (const toml::table* sentinel = single_table(table, "backend.sentinel", reader.subject() + ": ", diagnostics))
    read_sentinel(*sentinel, reader.subject(), backend.sentinel.emplace(), diagnostics);

  std::vector<const toml::table*> server_tables =
      repeated_tables(table, "backend.server", reader.subject() + ": ", diagnostics);
  for (const toml::table* server_table : server_tables)
    backend.servers.push_back(read_server(*server_table, reader.subject(), diagnostics));
  check_backend_servers(table, backend, server_tables, reader, diagnostics);
  report_unknown_keys(table, "backend", diagnostics);
  return backend;
}

// What a bind can collide with: the same port of the same family, on the
// same address or on that family's wildcard.
struct BindPort {
  sa_family_t family;
  uint16_t port;
  auto operator<=>(const BindPort&) const = default;
};

bool is_wildcard(const Address& address) {
  if (address.storage.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr.s_addr == htonl(INADDR_ANY);
  const in6_addr& ip = reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr;
  return IN6_IS_ADDR_UNSPECIFIED(&ip);
}

// The IP address bytes of an IPv4 or IPv6 address.
std::string ip_bytes(const Address& address) {
  if (address.storage.ss_family == AF_INET) {
    const auto& ip = reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr;
    return std::string(reinterpret_cast<const char*>(&ip), sizeof ip);
  }
  const auto& ip = reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr;
  return std::string(reinterpret_cast<const char*>(&ip), sizeof ip);
}

// Each listener whose bind collides with an earlier one's is reported once,
// naming the first it collides with. Indexed by port, so many listeners stay
// linear: per port, the first listener, the first on the wildcard, and the
// first on each address.
void check_listener_binds(const Config& config, const std::vector<const toml::table*>& tables,
                          Diagnostics& diagnostics) {
  struct PortUsers {
    size_t first;
    std::optional<size_t> first_wildcard;
    std::map<std::string, size_t> first_by_ip;
  };
  std::map<BindPort, PortUsers> ports;
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const Address& bind = config.listeners[i].bind;
    sa_family_t family = bind.storage.ss_family;
    // Port 0 asks the kernel for any free port: two of them never collide.
    if (bind.length == 0 || bind.port == 0 || (family != AF_INET && family != AF_INET6)) continue;
    bool wildcard = is_wildcard(bind);
    std::string ip = ip_bytes(bind);
    auto [entry, inserted] = ports.try_emplace(BindPort{family, bind.port}, PortUsers{i, {}, {}});
    PortUsers& users = entry->second;
    std::optional<size_t> collides;
    if (!inserted) {
      if (wildcard) {
        collides = users.first;
      } else {
        auto same = users.first_by_ip.find(ip);
        if (same != users.first_by_ip.end()) collides = same->second;
        if (users.first_wildcard && (!collides || *users.first_wildcard < *collides)) collides = users.first_wildcard;
      }
    }
    if (wildcard && !users.first_wildcard) users.first_wildcard = i;
    users.first_by_ip.try_emplace(ip, i);
    if (!collides) continue;
    size_t first = *collides;
    diagnostics.add(value_position(*tables[i], "bind"),
                    "listener " + quoted(config.listeners[i].name) + ": bind address " + bind.to_string() +
                        " is already used by listener " + quoted(config.listeners[first].name) + " (line " +
                        std::to_string(value_position(*tables[first], "bind").line) + ")");
  }
}

void check_listener_backends(const Config& config, const DefinedNames& backends,
                             const std::vector<const toml::table*>& tables, Diagnostics& diagnostics) {
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    if (listener.backend.empty() || backends.contains(listener.backend)) continue;
    std::string message =
        "listener " + quoted(listener.name) + ": backend " + quoted(listener.backend) + " is not defined";
    if (auto suggestion = backends.nearest(listener.backend)) message += "; did you mean " + quoted(*suggestion) + "?";
    diagnostics.add(value_position(*tables[i], "backend"), std::move(message));
  }
}

Config read_config(const toml::table& root, Diagnostics& diagnostics) {
  Config config;
  report_unknown_keys(root, "", diagnostics);
  if (const toml::table* global = single_table(root, "global", "", diagnostics))
    read_global(*global, config.global, diagnostics);

  std::vector<const toml::table*> listener_tables = repeated_tables(root, "listener", "", diagnostics);
  for (const toml::table* table : listener_tables) config.listeners.push_back(read_listener(*table, diagnostics));
  std::vector<const toml::table*> backend_tables = repeated_tables(root, "backend", "", diagnostics);
  for (const toml::table* table : backend_tables) config.backends.push_back(read_backend(*table, diagnostics));

  // What spans sections: unique names and binds, references to backends.
  report_duplicate_names(config.listeners, listener_tables, "", "listener", diagnostics);
  report_duplicate_names(config.backends, backend_tables, "", "backend", diagnostics);
  check_listener_binds(config, listener_tables, diagnostics);
  const DefinedNames backends(config.backends);
  check_listener_backends(config, backends, listener_tables, diagnostics);
  check_route_backends(config, backends, listener_tables, diagnostics);
  read_postgres_sections(root, config, backends, diagnostics);
  return config;
}

}  // namespace

LoadResult load_string(std::string_view toml_text, const std::string& source_name) {
  Diagnostics diagnostics(source_name);
  LoadResult result;
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& error) {
    std::string description(error.description());
    if (!description.empty())
      description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
    diagnostics.add({error.source().begin.line, error.source().begin.column}, "invalid TOML: " + description);
    result.errors = diagnostics.take();
    return result;
  }

  auto config = std::make_shared<Config>(read_config(root, diagnostics));
  config->source_path = source_name;
  if (diagnostics.empty()) result.config = std::move(config);
  result.errors = diagnostics.take();
  return result;
}

LoadResult load_file(const std::string& path) {
  std::string text;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  int read_errno = 0;
  if (file) {
    char buffer[16384];
    size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, count);
    if (std::ferror(file)) read_errno = errno;
    std::fclose(file);
  } else {
    read_errno = errno;
  }
  if (read_errno != 0) {
    LoadResult result;
    result.errors.push_back(
        {path, 0, 0, "cannot read the configuration file: " + std::string(std::strerror(read_errno))});
    return result;
  }
  return load_string(text, path);
}

}  // namespace sy::conf
