// TOML text -> validated Config. Each table is read key by key against its
// row in the schema (schema.cpp); then what spans tables is checked: unique
// names and binds, listeners naming defined backends. Every problem found is
// reported, each at its place in the file.
#include "conf/loader.hpp"

#include <sys/un.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "conf/http_loader.hpp"
#include "conf/postgres_loader.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

std::string Diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

// Two binds collide when they are the same socket address, or one is the
// wildcard of the other's family on the same port.
bool binds_collide(const Address& a, const Address& b) {
  // Port 0 asks the kernel for any free port: two of them never collide.
  if (a.length == 0 || b.length == 0 || a.storage.ss_family != b.storage.ss_family || a.port != b.port || a.port == 0)
    return false;
  if (a.storage.ss_family == AF_INET) {
    auto ip_a = reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr.s_addr;
    auto ip_b = reinterpret_cast<const sockaddr_in*>(&b.storage)->sin_addr.s_addr;
    return ip_a == ip_b || ip_a == htonl(INADDR_ANY) || ip_b == htonl(INADDR_ANY);
  }
  if (a.storage.ss_family == AF_INET6) {
    const in6_addr& ip_a = reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr;
    const in6_addr& ip_b = reinterpret_cast<const sockaddr_in6*>(&b.storage)->sin6_addr;
    return IN6_ARE_ADDR_EQUAL(&ip_a, &ip_b) || IN6_IS_ADDR_UNSPECIFIED(&ip_a) || IN6_IS_ADDR_UNSPECIFIED(&ip_b);
  }
  return false;
}

void read_global(const toml::table& table, Global& global, Diagnostics& diagnostics) {
  TableReader reader(table, "global", diagnostics);
  reader.read("workers", global.workers);
  reader.read_enum("log_level", global.log_level);
  reader.read_enum("log_format", global.log_format);
  reader.read("admin_socket", global.admin_socket);
  if (global.admin_socket.empty()) reader.error_at("admin_socket", "admin_socket must not be empty");
  if (global.admin_socket.size() >= sizeof(sockaddr_un::sun_path))
    reader.error_at("admin_socket", "admin_socket path is " + std::to_string(global.admin_socket.size()) +
                                        " bytes long; a Unix socket path must be shorter than " +
                                        std::to_string(sizeof(sockaddr_un::sun_path)));
  reader.read("shutdown_timeout", global.shutdown_timeout);
  reader.read("metrics_bind", global.metrics_bind);
  report_unknown_keys(table, "global", diagnostics);
}

Listener read_listener(const toml::table& table, Diagnostics& diagnostics) {
  Listener listener;
  listener.position = position_of(table);
  TableReader reader(table, "listener", diagnostics);
  reader.read("name", listener.name);
  if (!listener.name.empty()) reader.set_subject("listener " + quoted(listener.name));
  reader.read("bind", listener.bind);
  reader.read_enum("protocol", listener.protocol);
  // Lifted protocol by protocol as the proxy learns to speak them.
  if (listener.protocol == Protocol::redis)
    reader.error_at("protocol", "protocol " + quoted(to_string(listener.protocol)) + " is not supported yet");
  reader.read("backend", listener.backend);
  bool serves_databases = listener.protocol == Protocol::postgres;
  if (serves_databases && table.contains("backend"))
    reader.error_at("backend", "a postgres listener has no backend: each [[database]] names its own");
  // An http listener may route every request with [[listener.route]] rules.
  if (listener.protocol == Protocol::tcp && !table.contains("backend"))
    reader.error_at("backend", "missing required key \"backend\"");
  reader.read("max_connections", listener.max_connections);
  reader.read("idle_timeout", listener.idle_timeout);
  reader.read("accept_proxy", listener.accept_proxy);
  if (listener.accept_proxy && listener.protocol == Protocol::postgres)
    reader.error_at("accept_proxy", "accept_proxy is for tcp and http listeners");
  read_listener_http(table, reader.subject(), listener, diagnostics);
  report_unknown_keys(table, "listener", diagnostics);
  return listener;
}

// A token of visible characters: what may go on an HTTP request line or
// header value as written, without breaking the request.
bool is_plain_http_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 127; });
}

// The keys of type = "http"; set for another type they are an error, since
// the check would silently ignore them.
void read_http_check(const toml::table& table, TableReader& reader, HealthCheck& check) {
  reader.read("method", check.method);
  reader.read("path", check.path);
  reader.read("host", check.host);
  reader.read("expect_body", check.expect_body);
  std::string statuses;
  reader.read("expect_status", statuses);
  if (table.contains("expect_status") && table.get("expect_status")->is_string()) {
    auto parsed = parse_status_ranges(statuses);
    if (auto* problem = std::get_if<std::string>(&parsed)) reader.error_at("expect_status", "expect_status: " + *problem);
    else check.expect_status = std::get<std::vector<StatusRange>>(parsed);
  }
  if (check.method.empty() || !std::all_of(check.method.begin(), check.method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
      }))
    reader.error_at("method", "method " + quoted(check.method) + " is not an HTTP method: use capital letters (GET)");
  if (!check.path.starts_with('/') || !is_plain_http_text(check.path))
    reader.error_at("path", "path " + quoted(check.path) + " must start with \"/\" and hold no spaces or control characters");
  if (table.contains("host") && (check.host.empty() || !is_plain_http_text(check.host)))
    reader.error_at("host", "host " + quoted(check.host) + " must be a non-empty name without spaces or control characters");
  if (check.kind != HealthCheckKind::http)
    for (std::string_view key : {"method", "path", "host", "expect_status", "expect_body"})
      if (table.contains(key))
        reader.error_at(key, std::string(key) + " applies to type \"http\" only; this check is type " +
                                 quoted(to_string(check.kind)));
}

void read_health_check(const toml::table& table, const std::string& backend_subject, HealthCheck& check,
                       Diagnostics& diagnostics) {
  TableReader reader(table, "backend.health_check", diagnostics);
  reader.set_subject(backend_subject + " health_check");
  reader.read_enum("type", check.kind);
  reader.read("interval", check.interval);
  reader.read("timeout", check.timeout);
  reader.read("rise", check.rise);
  reader.read("fall", check.fall);
  reader.read("passive_fall", check.passive_fall);
  reader.read("user", check.user);
  reader.read("password", check.password);
  reader.read("dbname", check.dbname);
  read_http_check(table, reader, check);
  unsigned port = 0;
  reader.read("port", port);
  check.port = static_cast<uint16_t>(port);
  if (check.kind == HealthCheckKind::postgres) {
    // Failover is noticed within a second or two at these defaults.
    if (!table.contains("interval")) check.interval = std::chrono::milliseconds(500);
    if (!table.contains("timeout")) check.timeout = std::min<Duration>(check.interval, std::chrono::milliseconds(500));
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
  report_unknown_keys(table, "backend.health_check", diagnostics);
}

Server read_server(const toml::table& table, const std::string& backend_subject, Diagnostics& diagnostics) {
  Server server;
  server.position = position_of(table);
  TableReader reader(table, "backend.server", diagnostics);
  reader.set_subject(backend_subject + " server");
  reader.read("name", server.name);
  if (!server.name.empty()) reader.set_subject(backend_subject + " server " + quoted(server.name));
  reader.read("address", server.address);
  reader.read("weight", server.weight);
  reader.read("backup", server.backup);
  unsigned check_port = 0;
  reader.read("check_port", check_port);
  server.check_port = static_cast<uint16_t>(check_port);
  report_unknown_keys(table, "backend.server", diagnostics);
  return server;
}

Backend read_backend(const toml::table& table, Diagnostics& diagnostics) {
  Backend backend;
  backend.position = position_of(table);
  TableReader reader(table, "backend", diagnostics);
  reader.read("name", backend.name);
  if (!backend.name.empty()) reader.set_subject("backend " + quoted(backend.name));
  reader.read_enum("balance", backend.balance);
  reader.read("connect_timeout", backend.connect_timeout);
  reader.read("retries", backend.retries);
  reader.read("slow_start", backend.slow_start);
  reader.read_enum("hash_on", backend.hash_on);
  reader.read("hash_name", backend.hash_name);
  bool named = backend.hash_on == HashOn::header || backend.hash_on == HashOn::cookie;
  if (named && backend.hash_name.empty())
    reader.error_at("hash_on", "hash_on = " + quoted(to_string(backend.hash_on)) + " needs hash_name");
  if (!named && table.contains("hash_name"))
    reader.error_at("hash_name", "hash_name is for hash_on = \"header\" or \"cookie\"");
  reader.read_enum("send_proxy", backend.send_proxy);
  read_backend_http(table, reader.subject(), backend, diagnostics);

  if (const toml::table* check = single_table(table, "backend.health_check", reader.subject() + ": ", diagnostics))
    read_health_check(*check, reader.subject(), backend.health_check, diagnostics);

  std::vector<const toml::table*> server_tables =
      repeated_tables(table, "backend.server", reader.subject() + ": ", diagnostics);
  for (const toml::table* server_table : server_tables)
    backend.servers.push_back(read_server(*server_table, reader.subject(), diagnostics));
  const toml::array* declared = table.get_as<toml::array>("server");
  if (backend.servers.empty() && (!table.contains("server") || (declared && declared->empty())))
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

  report_unknown_keys(table, "backend", diagnostics);
  return backend;
}

void check_listener_binds(const Config& config, const std::vector<const toml::table*>& tables,
                          Diagnostics& diagnostics) {
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    for (size_t first = 0; first < i; ++first) {
      if (!binds_collide(config.listeners[first].bind, config.listeners[i].bind)) continue;
      diagnostics.add(value_position(*tables[i], "bind"),
                      "listener " + quoted(config.listeners[i].name) + ": bind address " +
                          config.listeners[i].bind.to_string() + " is already used by listener " +
                          quoted(config.listeners[first].name) + " (line " +
                          std::to_string(value_position(*tables[first], "bind").line) + ")");
      break;
    }
  }
}

void check_listener_backends(const Config& config, const std::vector<const toml::table*>& tables,
                             Diagnostics& diagnostics) {
  std::vector<std::string_view> backend_names;
  for (const Backend& backend : config.backends)
    if (!backend.name.empty()) backend_names.push_back(backend.name);
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    if (listener.backend.empty() || config.find_backend(listener.backend)) continue;
    std::string message =
        "listener " + quoted(listener.name) + ": backend " + quoted(listener.backend) + " is not defined";
    if (auto suggestion = nearest_match(listener.backend, backend_names))
      message += "; did you mean " + quoted(*suggestion) + "?";
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

  report_duplicate_names(config.listeners, listener_tables, "", "listener", diagnostics);
  report_duplicate_names(config.backends, backend_tables, "", "backend", diagnostics);
  check_listener_binds(config, listener_tables, diagnostics);
  check_listener_backends(config, listener_tables, diagnostics);
  check_route_backends(config, listener_tables, diagnostics);
  read_postgres_sections(root, config, diagnostics);
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
