// Loading configurations that are right: every key read into Config,
// defaults for what is left out, positions kept, files and examples.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "conf/durations.hpp"
#include "conf/loader.hpp"
#include "conf/schema.hpp"

using namespace sy::conf;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const Config> load_ok(std::string_view text) {
  LoadResult result = load_string(text, "test.toml");
  for (const Diagnostic& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.ok());
  return result.config;
}

constexpr std::string_view every_key = R"([global]
workers = 4
log_level = "debug"
log_format = "json"
admin_socket = "/tmp/sy-test.sock"
shutdown_timeout = "1m30s"
metrics_bind = "127.0.0.1:9100"

[[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "tcp"
backend = "app"
max_connections = 500
idle_timeout = "45s"

[[backend]]
name = "app"
balance = "hash"
connect_timeout = "750ms"
retries = 5

[backend.health_check]
type = "none"
interval = "10s"
timeout = "3s"
rise = 4
fall = 5
passive_fall = 0

[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
weight = 1000
backup = false

[[backend.server]]
name = "app.backup-2_b"
address = "[::1]:9002"
weight = 0
backup = true
)";

}  // namespace

TEST_CASE("loader: a configuration with every key set") {
  auto config = load_ok(every_key);
  CHECK(config->source_path == "test.toml");

  CHECK(config->global.workers == 4);
  CHECK(config->effective_workers() == 4);
  CHECK(config->global.log_level == LogLevel::debug);
  CHECK(config->global.log_format == LogFormat::json);
  CHECK(config->global.admin_socket == "/tmp/sy-test.sock");
  CHECK(config->global.shutdown_timeout == 90s);
  REQUIRE(config->global.metrics_bind.has_value());
  CHECK(config->global.metrics_bind->to_string() == "127.0.0.1:9100");

  REQUIRE(config->listeners.size() == 1);
  const Listener& web = config->listeners[0];
  CHECK(web.name == "web");
  CHECK(web.bind.to_string() == "127.0.0.1:8080");
  CHECK(web.bind.length == sizeof(sockaddr_in));
  CHECK(web.protocol == Protocol::tcp);
  CHECK(web.backend == "app");
  CHECK(web.max_connections == 500);
  CHECK(web.idle_timeout == 45s);
  CHECK(web.position.line == 9);
  CHECK(web.position.column == 1);
  CHECK(config->find_listener("web") == &web);

  REQUIRE(config->backends.size() == 1);
  const Backend& app = config->backends[0];
  CHECK(app.name == "app");
  CHECK(app.balance == BalanceAlgorithm::hash);
  CHECK(app.connect_timeout == 750ms);
  CHECK(app.retries == 5);
  CHECK(app.position.line == 17);
  CHECK(app.health_check.kind == HealthCheckKind::none);
  CHECK(app.health_check.interval == 10s);
  CHECK(app.health_check.timeout == 3s);
  CHECK(app.health_check.rise == 4);
  CHECK(app.health_check.fall == 5);
  CHECK(app.health_check.passive_fall == 0);
  CHECK(config->find_backend("app") == &app);

  REQUIRE(app.servers.size() == 2);
  CHECK(app.servers[0].name == "app1");
  CHECK(app.servers[0].address.to_string() == "127.0.0.1:9001");
  CHECK(app.servers[0].weight == 1000);
  CHECK_FALSE(app.servers[0].backup);
  CHECK(app.servers[0].position.line == 31);
  CHECK(app.servers[1].name == "app.backup-2_b");
  CHECK(app.servers[1].address.to_string() == "[::1]:9002");
  CHECK(app.servers[1].weight == 0);
  CHECK(app.servers[1].backup);
  CHECK(app.servers[1].position.line == 37);
  CHECK(app.find_server("app.backup-2_b") == &app.servers[1]);
}

TEST_CASE("loader: defaults for every optional key") {
  auto config = load_ok(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"

[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)");
  CHECK(config->global.workers == 0);
  CHECK(config->effective_workers() >= 1);
  CHECK(config->global.log_level == LogLevel::info);
  CHECK(config->global.log_format == LogFormat::text);
  CHECK(config->global.admin_socket == "/run/switchyard/admin.sock");
  CHECK(config->global.shutdown_timeout == 30s);
  CHECK_FALSE(config->global.metrics_bind.has_value());

  const Listener& web = config->listeners.at(0);
  CHECK(web.protocol == Protocol::tcp);
  CHECK(web.max_connections == 10000);
  CHECK(web.idle_timeout == 5min);

  const Backend& app = config->backends.at(0);
  CHECK(app.balance == BalanceAlgorithm::round_robin);
  CHECK(app.connect_timeout == 2s);
  CHECK(app.retries == 2);
  CHECK(app.health_check.kind == HealthCheckKind::tcp);
  CHECK(app.health_check.interval == 2s);
  CHECK(app.health_check.timeout == 1s);
  CHECK(app.health_check.rise == 2);
  CHECK(app.health_check.fall == 3);
  CHECK(app.health_check.passive_fall == 3);
  CHECK(app.servers.at(0).weight == 100);
  CHECK_FALSE(app.servers.at(0).backup);
}

TEST_CASE("loader: the defaults the schema documents are the ones a load produces") {
  auto config = load_ok(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"
[[listener]]
name = "pg"
bind = "127.0.0.1:6432"
protocol = "postgres"
[listener.tls]
cert = "/etc/sy/pg.pem"
key = "/etc/sy/pg.key"
[[listener]]
name = "h"
bind = "127.0.0.1:8081"
protocol = "http"
[[listener.route]]
backend = "app"
[[backend]]
name = "app"
[backend.tls]
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
[[database]]
name = "appdb"
backend = "app"
[[user]]
name = "app"
)");
  const Global& global = config->global;
  const Listener& postgres_listener = config->listeners.at(1);
  const PostgresGlobal& postgres = config->postgres;
  const Database& database = config->databases.at(0);
  const User& user = config->users.at(0);
  const ListenerTls& tls = postgres_listener.tls;
  REQUIRE(tls.enabled);
  const BackendTls& backend_tls = config->backends.at(0).tls;
  REQUIRE(backend_tls.enabled);
  auto words = [](const auto& values) {
    std::string text = "[";
    for (const auto& value : values) text += (text.size() > 1 ? ", \"" : "\"") + std::string(to_string(value)) + "\"";
    return text + "]";
  };
  auto unset_if_empty = [](const std::string& text) { return text.empty() ? std::string("unset") : text; };
  const Listener& listener = config->listeners.at(0);
  const Backend& backend = config->backends.at(0);
  const HealthCheck& check = backend.health_check;
  const Server& server = backend.servers.at(0);
  const Listener& http_listener = config->listeners.at(2);
  const HttpListener& http = http_listener.http;
  const HttpRoute& route = http_listener.routes.at(0);
  const auto& pool = backend.http;
  const auto& outlier = backend.outlier_ejection;
  auto sentinel_config = load_ok("[[backend]]\nname = \"cache\"\n[backend.sentinel]\nmaster_name = \"m\"\n"
                                 "sentinels = [\"127.0.0.1:26379\"]\n");
  const SentinelSettings& sentinel = sentinel_config->backends.at(0).sentinel.value();
  auto list = [](const auto& values) { return values.empty() ? std::string("[]") : std::string("?"); };
  auto flag = [](bool value) { return std::string(value ? "true" : "false"); };
  // Each optional key's value after the load, written as the schema writes defaults.
  std::map<std::pair<std::string_view, std::string_view>, std::string> loaded = {
      {{"global", "workers"}, std::to_string(global.workers)},
      {{"global", "log_level"}, std::string(to_string(global.log_level))},
      {{"global", "log_format"}, std::string(to_string(global.log_format))},
      {{"global", "admin_socket"}, global.admin_socket},
      {{"global", "shutdown_timeout"}, format_duration(global.shutdown_timeout)},
      {{"global", "metrics_bind"}, global.metrics_bind ? global.metrics_bind->to_string() : "unset"},
      {{"listener", "protocol"}, std::string(to_string(listener.protocol))},
      {{"listener", "backend"}, unset_if_empty(postgres_listener.backend)},
      {{"listener", "max_connections"}, std::to_string(listener.max_connections)},
      {{"listener", "idle_timeout"}, format_duration(listener.idle_timeout)},
      {{"listener", "accept_proxy"}, flag(listener.accept_proxy)},
      {{"listener", "target"}, std::string(to_string(listener.target))},
      {{"listener.http", "request_timeout"}, format_duration(http.request_timeout)},
      {{"listener.http", "keepalive_timeout"}, format_duration(http.keepalive_timeout)},
      {{"listener.http", "max_header_size"}, http.max_header_size == 32 * 1024 ? "32KiB" : "?"},
      {{"listener.http", "max_headers"}, std::to_string(http.max_headers)},
      {{"listener.http", "max_body_size"}, std::to_string(http.max_body_size)},
      {{"listener.http", "forwarded_headers"}, flag(http.forwarded_headers)},
      {{"listener.http", "trust_forwarded"}, flag(http.trust_forwarded)},
      {{"listener.http", "request_id_header"}, http.request_id_header},
      {{"listener.http", "health_path"}, unset_if_empty(http.health_path)},
      {{"listener.http", "access_log"}, flag(http.access_log)},
      {{"listener.route", "name"}, route.name == "route1" ? "routeN" : route.name},
      {{"listener.route", "hosts"}, list(route.hosts)},
      {{"listener.route", "path_prefix"}, unset_if_empty(route.path_prefix)},
      {{"listener.route", "methods"}, list(route.methods)},
      {{"listener.route", "headers"}, list(route.headers)},
      {{"listener.route", "strip_prefix"}, flag(route.strip_prefix)},
      {{"listener.route", "rewrite_prefix"}, route.rewrite_prefix.value_or("unset")},
      {{"listener.route", "set_request_headers"}, list(route.set_request_headers)},
      {{"listener.route", "remove_request_headers"}, list(route.remove_request_headers)},
      {{"listener.route", "set_response_headers"}, list(route.set_response_headers)},
      {{"listener.route", "remove_response_headers"}, list(route.remove_response_headers)},
      {{"backend", "hash_on"}, std::string(to_string(backend.hash_on))},
      {{"backend", "hash_name"}, unset_if_empty(backend.hash_name)},
      {{"backend", "send_proxy"}, std::string(to_string(backend.send_proxy))},
      {{"backend.http", "max_idle_per_server"}, std::to_string(pool.max_idle_per_server)},
      {{"backend.http", "keepalive_timeout"}, format_duration(pool.keepalive_timeout)},
      {{"backend.http", "response_timeout"}, format_duration(pool.response_timeout)},
      {{"backend.http", "idle_timeout"}, format_duration(pool.idle_timeout)},
      {{"backend.http", "retry_idempotent"}, flag(pool.retry_idempotent)},
      {{"backend.http", "sticky_cookie"}, unset_if_empty(pool.sticky_cookie)},
      {{"backend.outlier_ejection", "consecutive_failures"}, std::to_string(outlier.consecutive_failures)},
      {{"backend.outlier_ejection", "base_ejection_time"}, format_duration(outlier.base_ejection_time)},
      {{"backend.outlier_ejection", "max_ejection_time"}, format_duration(outlier.max_ejection_time)},
      {{"backend.outlier_ejection", "max_ejected_percent"}, std::to_string(outlier.max_ejected_percent)},
      {{"backend.sentinel", "user"}, unset_if_empty(sentinel.user)},
      {{"backend.sentinel", "password"}, unset_if_empty(sentinel.password)},
      {{"backend.sentinel", "poll_interval"}, format_duration(sentinel.poll_interval)},
      {{"backend.sentinel", "timeout"}, format_duration(sentinel.timeout)},
      {{"backend", "balance"}, std::string(to_string(backend.balance))},
      {{"backend", "connect_timeout"}, format_duration(backend.connect_timeout)},
      {{"backend", "retries"}, std::to_string(backend.retries)},
      {{"backend.health_check", "type"}, std::string(to_string(check.kind))},
      {{"backend.health_check", "interval"}, format_duration(check.interval)},
      {{"backend.health_check", "timeout"}, format_duration(check.timeout)},
      {{"backend.health_check", "rise"}, std::to_string(check.rise)},
      {{"backend.health_check", "fall"}, std::to_string(check.fall)},
      {{"backend.health_check", "passive_fall"}, std::to_string(check.passive_fall)},
      {{"backend.health_check", "user"}, check.user},
      {{"backend.health_check", "password"}, unset_if_empty(check.password)},
      {{"backend.health_check", "dbname"}, check.dbname},
      {{"backend.server", "weight"}, std::to_string(server.weight)},
      {{"backend.server", "backup"}, server.backup ? "true" : "false"},
      {{"backend", "slow_start"}, backend.slow_start.count() == 0 ? "0" : "?"},
      {{"backend.health_check", "method"}, check.method},
      {{"backend.health_check", "path"}, check.path},
      {{"backend.health_check", "host"}, check.host.empty() ? "the server's address" : check.host},
      {{"backend.health_check", "expect_status"}, format_status_ranges(check.expect_status)},
      {{"backend.health_check", "expect_body"}, unset_if_empty(check.expect_body)},
      {{"backend.health_check", "port"}, check.port == 0 ? "the server's port" : "?"},
      {{"backend.server", "check_port"}, server.check_port == 0 ? "health_check.port" : "?"},
      {{"postgres", "auth_file"}, unset_if_empty(postgres.auth_file)},
      {{"postgres", "auth_user"}, unset_if_empty(postgres.auth_user)},
      {{"postgres", "auth_query"}, postgres.auth_query},
      {{"postgres", "max_client_conn"}, std::to_string(postgres.max_client_conn)},
      {{"postgres", "track_parameters"}, postgres.track_parameters.empty() ? "[]" : "?"},
      {{"database", "dbname"}, database.dbname == database.name ? "the name" : database.dbname},
      {{"database", "auth"}, words(database.auth)},
      {{"database", "pool_mode"}, std::string(to_string(database.pool_mode))},
      {{"database", "pool_size"}, std::to_string(database.pool_size)},
      {{"database", "min_pool_size"}, std::to_string(database.min_pool_size)},
      {{"database", "reserve_pool"}, std::to_string(database.reserve_pool)},
      {{"database", "reserve_pool_timeout"}, format_duration(database.reserve_pool_timeout)},
      {{"database", "max_db_connections"}, std::to_string(database.max_db_connections)},
      {{"database", "max_client_conn"}, std::to_string(database.max_client_conn)},
      {{"database", "server_lifetime"}, format_duration(database.server_lifetime)},
      {{"database", "server_idle_timeout"}, format_duration(database.server_idle_timeout)},
      {{"database", "query_wait_timeout"}, format_duration(database.query_wait_timeout)},
      {{"database", "idle_transaction_timeout"}, database.idle_transaction_timeout.count() == 0 ? "0" : "?"},
      {{"database", "query_timeout"}, database.query_timeout.count() == 0 ? "0" : "?"},
      {{"database", "server_reset_query"}, database.server_reset_query},
      {{"database", "max_prepared_statements"}, std::to_string(database.max_prepared_statements)},
      {{"database", "server_user"}, unset_if_empty(database.server_user)},
      {{"database", "server_password"}, unset_if_empty(database.server_password)},
      {{"user", "password"}, unset_if_empty(user.password)},
      {{"backend.tls", "verify"}, backend_tls.verify == VerifyServer::full ? "full" : "?"},
      {{"backend.tls", "ca"}, unset_if_empty(backend_tls.ca)},
      {{"backend.tls", "server_name"}, backend_tls.server_name.empty() ? "the server's host" : "?"},
      {{"backend.tls", "cert"}, unset_if_empty(backend_tls.cert)},
      {{"backend.tls", "key"}, unset_if_empty(backend_tls.key)},
      {{"backend.tls", "alpn"}, backend_tls.alpn.empty() ? "[]" : "?"},
      {{"backend.tls", "min_version"}, backend_tls.min_version == TlsMinVersion::tls1_2 ? "1.2" : "?"},
      {{"backend.tls", "ciphers"}, unset_if_empty(backend_tls.ciphers)},
      {{"backend.tls", "ciphersuites"}, unset_if_empty(backend_tls.ciphersuites)},
      {{"backend.tls", "channel_binding"}, backend_tls.channel_binding == ChannelBinding::prefer ? "prefer" : "?"},
      {{"listener.tls", "alpn"}, tls.alpn == std::vector<std::string>{"postgresql"} ? "by protocol" : "?"},
      {{"listener.tls", "min_version"}, tls.min_version == TlsMinVersion::tls1_2 ? "1.2" : "?"},
      {{"listener.tls", "ciphers"}, unset_if_empty(tls.ciphers)},
      {{"listener.tls", "ciphersuites"}, unset_if_empty(tls.ciphersuites)},
      {{"listener.tls", "session_tickets"}, tls.session_tickets ? "true" : "false"},
      {{"listener.tls", "ticket_key_file"}, unset_if_empty(tls.ticket_key_file)},
      {{"listener.tls", "client_ca"}, unset_if_empty(tls.client_ca)},
      {{"listener.tls", "verify_client"}, tls.verify_client == VerifyClient::none ? "none" : "?"},
      {{"listener.tls", "handshake_timeout"}, format_duration(tls.handshake_timeout)},
      {{"listener.tls", "required"}, tls.required ? "true" : "false"},
      {{"listener.tls", "client_subject_header"}, unset_if_empty(tls.client_subject_header)},
      {{"postgres", "read_only_functions"}, postgres.read_only_functions.empty() ? "[]" : "?"},
      {{"postgres", "ignore_startup_parameters"}, postgres.ignore_startup_parameters.empty() ? "[]" : "?"},
      {{"postgres", "max_client_prepared_statements"}, std::to_string(postgres.max_client_prepared_statements)},
      {{"database", "target"}, std::string(to_string(database.target))},
      {{"database", "max_replica_lag"}, format_duration(database.max_replica_lag)},
      {{"database", "max_replica_lag_bytes"}, database.max_replica_lag_bytes == (16u << 20) ? "16MiB" : "?"},
      {{"database", "failover_timeout"}, format_duration(database.failover_timeout)},
      {{"database", "split_reads"}, database.split_reads ? "true" : "false"},
      {{"database", "read_your_writes"}, database.read_your_writes.count() == 0 ? "0" : "?"},
      {{"listener.redis", "user"}, listener.redis.user},
      {{"listener.redis", "password"}, unset_if_empty(listener.redis.password)},
      {{"listener.redis", "max_pending"}, std::to_string(listener.redis.max_pending)},
      {{"listener.redis", "max_output"}, listener.redis.max_output == (64u << 20) ? "64MiB" : "?"},
      {{"listener.redis", "read_from"}, listener.redis.read_from == RedisReadFrom::master ? "master" : "?"},
      {{"listener.redis", "max_replica_lag"}, format_duration(listener.redis.max_replica_lag)},
      {{"listener.redis", "max_replica_lag_bytes"}, listener.redis.max_replica_lag_bytes == (1u << 20) ? "1MiB" : "?"},
      {{"backend.redis", "user"}, unset_if_empty(backend.redis.user)},
      {{"backend.redis", "password"}, unset_if_empty(backend.redis.password)},
      {{"backend.redis", "connections"}, std::to_string(backend.redis.connections)},
      {{"backend.redis", "max_dedicated"}, std::to_string(backend.redis.max_dedicated)},
      {{"backend.redis", "failover_timeout"}, format_duration(backend.redis.failover_timeout)},
  };
  for (const KeySpec& spec : config_keys()) {
    if (spec.required) continue;
    CAPTURE(spec.section);
    CAPTURE(spec.key);
    auto value = loaded.find({spec.section, spec.key});
    REQUIRE_MESSAGE(value != loaded.end(), "add the key to this test's list");
    CHECK(value->second == spec.default_text);
  }
}

TEST_CASE("loader: an empty file is a valid configuration with nothing to serve") {
  auto config = load_ok("");
  CHECK(config->listeners.empty());
  CHECK(config->backends.empty());
}

TEST_CASE("loader: inline tables and arrays are the same configuration") {
  auto config = load_ok(R"(listener = [{ name = "web", bind = "127.0.0.1:8080", backend = "app" }]
backend = [{ name = "app", health_check = { type = "none" }, server = [
  { name = "a1", address = "127.0.0.1:9001" },
  { name = "a2", address = "127.0.0.1:9002", backup = true },
] }]
)");
  CHECK(config->listeners.at(0).position.line == 1);
  CHECK(config->listeners.at(0).position.column == 13);
  CHECK(config->backends.at(0).health_check.kind == HealthCheckKind::none);
  CHECK(config->backends.at(0).servers.size() == 2);
  CHECK(config->backends.at(0).servers.at(1).backup);
}

TEST_CASE("loader: a backend no listener uses is fine, as are listeners sharing a backend") {
  auto config = load_ok(R"([[listener]]
name = "a"
bind = "127.0.0.1:8080"
backend = "app"
[[listener]]
name = "b"
bind = "127.0.0.1:8081"
backend = "app"
[[backend]]
name = "app"
[[backend.server]]
name = "s"
address = "127.0.0.1:9001"
[[backend]]
name = "spare"
[[backend.server]]
name = "s"
address = "127.0.0.1:9001"
)");
  CHECK(config->listeners.size() == 2);
  CHECK(config->backends.size() == 2);
}

TEST_CASE("loader: Diagnostic::to_string is file:line:col: message") {
  CHECK(Diagnostic{"a.toml", 3, 7, "bad"}.to_string() == "a.toml:3:7: bad");
  CHECK(Diagnostic{"a.toml", 0, 0, "cannot read"}.to_string() == "a.toml: cannot read");
}

TEST_CASE("loader: load_file names the file in diagnostics and in source_path") {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("switchyard-conf-test-" + std::to_string(::getpid()) + ".toml");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file != nullptr);
    std::fputs("[global]\nworkers = \"two\"\n", file);
    std::fclose(file);
  }
  LoadResult bad = load_file(path.string());
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() == path.string() + ":2:11: [global]: workers: expected an integer, got string");

  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("[global]\nworkers = 2\n", file);
    std::fclose(file);
  }
  LoadResult good = load_file(path.string());
  std::filesystem::remove(path);
  REQUIRE(good.ok());
  CHECK(good.config->source_path == path.string());
  CHECK(good.config->global.workers == 2);
}

TEST_CASE("loader: load_file reports an unreadable file at line 0") {
  LoadResult missing = load_file("/nonexistent/switchyard.toml");
  CHECK_FALSE(missing.ok());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].file == "/nonexistent/switchyard.toml");
  CHECK(missing.errors[0].line == 0);
  CHECK(missing.errors[0].column == 0);
  CHECK(missing.errors[0].message == "cannot read the configuration file: No such file or directory");

  LoadResult directory = load_file(std::filesystem::temp_directory_path().string());
  REQUIRE(directory.errors.size() == 1);
  CHECK(directory.errors[0].line == 0);
  CHECK(directory.errors[0].message == "cannot read the configuration file: Is a directory");
}

TEST_CASE("examples: every examples/*.toml loads without errors") {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SWITCHYARD_SOURCE_DIR "/examples")) {
    if (entry.path().extension() != ".toml") continue;
    CAPTURE(entry.path().string());
    LoadResult result = load_file(entry.path().string());
    for (const Diagnostic& error : result.errors) FAIL_CHECK(error.to_string());
    CHECK(result.ok());
    ++loaded;
  }
  CHECK(loaded >= 2);
}
