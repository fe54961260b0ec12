// Errors in values: wrong types, bad durations and addresses, words not in
// an enum, numbers out of range, and rules between keys. Each is checked at
// the value's file:line:col, and all of a file's errors come back together.
#include <doctest/doctest.h>

#include "conf/loader.hpp"

using namespace sy::conf;

namespace {

std::vector<Diagnostic> errors_of(const std::string& text) {
  LoadResult result = load_string(text, "test.toml");
  CHECK_FALSE(result.ok());
  return result.errors;
}

// Every diagnostic, one a line: shown when a count check fails.
std::string listing(const std::vector<Diagnostic>& errors) {
  std::string text;
  for (const Diagnostic& error : errors) text += "\n  " + error.to_string();
  return text;
}

void check_error(const Diagnostic& error, uint32_t line, uint32_t column, std::string_view message) {
  CAPTURE(error.to_string());
  CHECK(error.file == "test.toml");
  CHECK(error.line == line);
  CHECK(error.column == column);
  CHECK(error.message == message);
}

// The one error of a [global] table holding `body` (its first line is line 2).
Diagnostic global_error(const std::string& body) {
  auto errors = errors_of("[global]\n" + body);
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  return errors[0];
}

// A listener "web" with `extra` lines after its required keys (line 5 on),
// and the backend it names.
Diagnostic listener_error(const std::string& extra) {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"
)" + extra + R"(
[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  return errors[0];
}

// A backend "app" with `extra` lines after its name (line 3 on); its server follows.
Diagnostic backend_error(const std::string& extra) {
  auto errors = errors_of("[[backend]]\nname = \"app\"\n" + extra + R"(
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  return errors[0];
}

// A server "app1" of backend "app" with `extra` lines after its address (line 6 on).
Diagnostic server_error(const std::string& extra) {
  auto errors = errors_of(R"([[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)" + extra);
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  return errors[0];
}

// Backend "app"'s health check holding `body` (its first line is line 4).
Diagnostic health_check_error(const std::string& body) { return backend_error("[backend.health_check]\n" + body); }

}  // namespace

TEST_CASE("value errors: wrong types say what was expected and what was found") {
  check_error(listener_error("idle_timeout = 300\n"), 5, 16,
              "listener \"web\": idle_timeout: expected a duration string like \"2s\", got integer");
  check_error(global_error("workers = \"4\"\n"), 2, 11, "[global]: workers: expected an integer, got string");
  check_error(global_error("workers = 2.5\n"), 2, 11,
              "[global]: workers: expected an integer, got floating-point number");
  check_error(server_error("backup = \"yes\"\n"), 6, 10,
              "backend \"app\" server \"app1\": backup: expected true or false, got string");
  check_error(global_error("metrics_bind = 9100\n"), 2, 16,
              "[global]: metrics_bind: expected an address string like \"127.0.0.1:8080\", got integer");
  check_error(global_error("log_level = 1\n"), 2, 13,
              "[global]: log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", got integer");
  check_error(global_error("admin_socket = [\"/tmp/a.sock\"]\n"), 2, 16,
              "[global]: admin_socket: expected a string, got array");
  check_error(listener_error("max_connections = { limit = 5 }\n"), 5, 19,
              "listener \"web\": max_connections: expected an integer, got table");
  check_error(global_error("shutdown_timeout = 1979-05-27\n"), 2, 20,
              "[global]: shutdown_timeout: expected a duration string like \"2s\", got date");
}

TEST_CASE("value errors: a name of the wrong type") {
  auto errors = errors_of(R"([[backend]]
name = 7
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  check_error(errors[0], 2, 8, "[[backend]]: name: expected a name string like \"app1\", got integer");
}

TEST_CASE("value errors: durations that do not parse or are out of range") {
  check_error(listener_error("idle_timeout = \"300\"\n"), 5, 16,
              "listener \"web\": idle_timeout: missing unit in duration \"300\" (use ms, s, m or h, like \"250ms\" "
              "or \"1m30s\")");
  check_error(backend_error("connect_timeout = \"-2s\"\n"), 3, 19,
              "backend \"app\": connect_timeout: negative duration \"-2s\" is not allowed");
  check_error(global_error("shutdown_timeout = \"2days\"\n"), 2, 20,
              "[global]: shutdown_timeout: unknown unit \"days\" in duration \"2days\" (use ms, s, m or h, like "
              "\"250ms\" or \"1m30s\")");
  check_error(global_error("shutdown_timeout = \"99999999999999999h\"\n"), 2, 20,
              "[global]: shutdown_timeout: duration \"99999999999999999h\" is too large");
  check_error(backend_error("connect_timeout = \"0\"\n"), 3, 19,
              "backend \"app\": connect_timeout must be more than 0, got \"0\"");
  check_error(health_check_error("interval = \"0s\"\n"), 4, 12,
              "backend \"app\" health_check: interval must be more than 0, got \"0s\"");
  check_error(health_check_error("timeout = \"0ms\"\n"), 4, 11,
              "backend \"app\" health_check: timeout must be more than 0, got \"0ms\"");
  check_error(listener_error("idle_timeout = \"0\"\n"), 5, 16,
              "listener \"web\": idle_timeout must be more than 0, got \"0\"");
}

TEST_CASE("value errors: a health check timeout longer than its interval") {
  check_error(health_check_error("interval = \"2s\"\ntimeout = \"3s\"\n"), 5, 11,
              "backend \"app\" health_check: timeout 3s is longer than interval 2s");
  check_error(health_check_error("interval = \"500ms\"\n"), 4, 12,
              "backend \"app\" health_check: timeout 1s (the default) is longer than interval 500ms");
  check_error(health_check_error("timeout = \"5s\"\n"), 4, 11,
              "backend \"app\" health_check: timeout 5s is longer than interval 2s (the default)");
}

TEST_CASE("value errors: addresses that do not parse") {
  auto errors = errors_of(R"([global]
metrics_bind = "9100"
[[listener]]
name = "web"
bind = "127.0.0.1"
backend = "app"
[[listener]]
name = "api"
bind = "127.0.0.1:70000"
backend = "app"
[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "::1:9001"
[[backend.server]]
name = "app2"
address = "[::1:9002"
)");
  REQUIRE_MESSAGE(errors.size() == 5, listing(errors));
  check_error(errors[0], 2, 16, "[global]: metrics_bind: invalid address \"9100\": expected \"host:port\"");
  check_error(errors[1], 5, 8, "listener \"web\": bind: invalid address \"127.0.0.1\": expected \"host:port\"");
  check_error(errors[2], 9, 8, "listener \"api\": bind: invalid address \"127.0.0.1:70000\": invalid port \"70000\"");
  check_error(errors[3], 15, 11,
              "backend \"app\" server \"app1\": address: invalid address \"::1:9001\": IPv6 addresses need brackets: "
              "\"[::1]:port\"");
  check_error(errors[4], 18, 11,
              "backend \"app\" server \"app2\": address: invalid address \"[::1:9002\": expected \"[ipv6]:port\"");
}

TEST_CASE("value errors: words outside an enum list the allowed ones") {
  check_error(global_error("log_level = \"verbose\"\n"), 2, 13,
              "[global]: log_level \"verbose\" is not one of: debug, info, warn, error");
  check_error(global_error("log_format = \"JSON\"\n"), 2, 14,
              "[global]: log_format \"JSON\" is not one of: text, json");
  check_error(listener_error("protocol = \"udp\"\n"), 5, 12,
              "listener \"web\": protocol \"udp\" is not one of: tcp, http, postgres, redis");
  check_error(backend_error("balance = \"roundrobin\"\n"), 3, 11,
              "backend \"app\": balance \"roundrobin\" is not one of: round_robin, least_conn, random_two, hash");
  check_error(health_check_error("type = \"smtp\"\n"), 4, 8,
              "backend \"app\" health_check: type \"smtp\" is not one of: none, tcp, postgres, http, patroni, redis");
}

TEST_CASE("value errors: integers out of range") {
  check_error(global_error("workers = 1025\n"), 2, 11, "[global]: workers must be between 0 and 1024, got 1025");
  check_error(global_error("workers = -1\n"), 2, 11, "[global]: workers must be between 0 and 1024, got -1");
  check_error(listener_error("max_connections = 0\n"), 5, 19,
              "listener \"web\": max_connections must be between 1 and 4294967295, got 0");
  check_error(listener_error("max_connections = 4294967296\n"), 5, 19,
              "listener \"web\": max_connections must be between 1 and 4294967295, got 4294967296");
  check_error(backend_error("retries = 101\n"), 3, 11, "backend \"app\": retries must be between 0 and 100, got 101");
  check_error(health_check_error("rise = 0\n"), 4, 8,
              "backend \"app\" health_check: rise must be between 1 and 100, got 0");
  check_error(health_check_error("fall = 0\n"), 4, 8,
              "backend \"app\" health_check: fall must be between 1 and 100, got 0");
  check_error(health_check_error("passive_fall = -3\n"), 4, 16,
              "backend \"app\" health_check: passive_fall must be between 0 and 100, got -3");
  check_error(server_error("weight = 1001\n"), 6, 10,
              "backend \"app\" server \"app1\": weight must be between 0 and 1000, got 1001");
  check_error(server_error("weight = -1\n"), 6, 10,
              "backend \"app\" server \"app1\": weight must be between 0 and 1000, got -1");
}

TEST_CASE("value errors: the edges of each range are accepted") {
  auto result = load_string(R"([global]
workers = 1024
shutdown_timeout = "0"
[[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"
max_connections = 1
idle_timeout = "1ms"
[[backend]]
name = "app"
retries = 0
[backend.health_check]
interval = "1ms"
timeout = "1ms"
rise = 1
fall = 100
passive_fall = 0
[[backend.server]]
name = "a"
address = "127.0.0.1:9001"
weight = 0
)",
                            "test.toml");
  CHECK_MESSAGE(result.ok(), listing(result.errors));
}

TEST_CASE("value errors: the admin socket path must fit a Unix socket address") {
  check_error(global_error("admin_socket = \"\"\n"), 2, 16, "[global]: admin_socket must not be empty");
  check_error(global_error("admin_socket = \"/tmp/" + std::string(120, 'a') + "\"\n"), 2, 16,
              "[global]: admin_socket path is 125 bytes long; a Unix socket path must be shorter than 108");
}

TEST_CASE("value errors: every error of a file is reported, in file order") {
  auto errors = errors_of(R"([global]
workers = "many"
log_level = "loud"
[[listener]]
name = "web"
bind = "127.0.0.1:80"
backend = "ap"
idle_timeout = 5
[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1"
weight = 5000
colour = "red"
)");
  REQUIRE_MESSAGE(errors.size() == 7, listing(errors));
  CHECK(errors[0].line == 2);
  CHECK(errors[1].line == 3);
  CHECK(errors[2].line == 7);
  CHECK(errors[2].message == "listener \"web\": backend \"ap\" is not defined; did you mean \"app\"?");
  CHECK(errors[3].line == 8);
  CHECK(errors[4].line == 13);
  CHECK(errors[5].line == 14);
  CHECK(errors[6].message == "unknown key \"colour\" in [[backend.server]]");
}
