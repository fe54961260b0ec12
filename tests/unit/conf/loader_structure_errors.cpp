// Errors in the shape of a configuration: TOML syntax, unknown keys and
// sections, missing keys, tables of the wrong kind, duplicate names and
// binds, dangling references. Each is checked at its file:line:col.
#include <doctest/doctest.h>

#include "conf/loader.hpp"

using namespace sy::conf;

namespace {

std::vector<Diagnostic> errors_of(const std::string& text) {
  LoadResult result = load_string(text, "test.toml");
  CHECK_FALSE(result.ok());
  CHECK(result.config == nullptr);
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

// A valid backend "app", appended after the part under test so that
// listeners have something to point at without moving earlier lines.
const std::string app_backend = R"(
[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)";

}  // namespace

TEST_CASE("structure errors: TOML syntax, at toml++'s position") {
  auto errors = errors_of("[global]\nworkers = \n");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  CHECK(errors[0].line == 2);
  CHECK(errors[0].column == 11);
  CHECK(errors[0].message.starts_with("invalid TOML: error while parsing key-value pair"));

  errors = errors_of("[global]\nworkers = 1\nworkers = 2\n");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  CHECK(errors[0].line == 3);
  CHECK(errors[0].message.find("cannot redefine existing integer 'workers'") != std::string::npos);
}

TEST_CASE("structure errors: unknown key with a suggestion, and the required key it hid") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
bakend = "app"
)" + app_backend);
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 1, "listener \"web\": missing required key \"backend\"");
  check_error(errors[1], 4, 1, "unknown key \"bakend\" in [[listener]]; did you mean \"backend\"?");
}

TEST_CASE("structure errors: unknown keys in every section") {
  auto errors = errors_of(R"([global]
colour = "blue"
log_levle = "info"
[[backend]]
name = "app"
  ballance = "hash"
[backend.health_check]
intervall = "2s"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
wieght = 10
)");
  REQUIRE_MESSAGE(errors.size() == 5, listing(errors));
  check_error(errors[0], 2, 1, "unknown key \"colour\" in [global]");
  check_error(errors[1], 3, 1, "unknown key \"log_levle\" in [global]; did you mean \"log_level\"?");
  check_error(errors[2], 6, 3, "unknown key \"ballance\" in [[backend]]; did you mean \"balance\"?");
  check_error(errors[3], 8, 1, "unknown key \"intervall\" in [backend.health_check]; did you mean \"interval\"?");
  check_error(errors[4], 12, 1, "unknown key \"wieght\" in [[backend.server]]; did you mean \"weight\"?");
}

TEST_CASE("structure errors: unknown sections and sub-tables") {
  auto errors = errors_of(R"([[listeners]]
name = "web"

[globl]
workers = 1

[metrics]
bind = "127.0.0.1:9100"
)");
  REQUIRE_MESSAGE(errors.size() == 3, listing(errors));
  check_error(errors[0], 1, 1, "unknown section \"listeners\"; did you mean [[listener]]?");
  check_error(errors[1], 4, 1, "unknown section \"globl\"; did you mean [global]?");
  check_error(errors[2], 7, 1, "unknown section \"metrics\"");

  errors = errors_of(R"([[backend]]
name = "app"
[backend.healthcheck]
type = "tcp"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  check_error(errors[0], 3, 1, "unknown key \"healthcheck\" in [[backend]]; did you mean \"health_check\"?");
}

TEST_CASE("structure errors: settings outside any section") {
  auto errors = errors_of("workers = 4\nverbose = true\n");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 1,
              "unknown key \"workers\" at the top level; settings go in a section; did you mean to put it under "
              "[global]?");
  check_error(errors[1], 2, 1, "unknown key \"verbose\" at the top level; settings go in a section");
}

TEST_CASE("structure errors: a section written as the wrong kind of table") {
  auto errors = errors_of(R"([[global]]
workers = 1

[listener]
name = "web"
)");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 1, "expected a table [global], got array of tables; write [global], not [[global]]");
  check_error(errors[1], 4, 1, "expected [[listener]] tables, got table; write [[listener]], not [listener]");

  errors = errors_of(R"(backend = "app"
listener = [1, 2]
)");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 11, "expected [[backend]] tables, got string");
  check_error(errors[1], 2, 12, "expected [[listener]] tables, got array");

  errors = errors_of(R"([[backend]]
name = "app"
[[backend.health_check]]
type = "tcp"
[backend.server]
name = "a1"
)");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 3, 1,
              "backend \"app\": expected a table [backend.health_check], got array of tables; write "
              "[backend.health_check], not [[backend.health_check]]");
  check_error(errors[1], 5, 1,
              "backend \"app\": expected [[backend.server]] tables, got table; write [[backend.server]], not "
              "[backend.server]");
}

TEST_CASE("structure errors: missing required keys point at the table header") {
  auto errors = errors_of(R"([[listener]]
protocol = "tcp"

[[backend]]
balance = "hash"
[[backend.server]]
weight = 1
)");
  REQUIRE_MESSAGE(errors.size() == 6, listing(errors));
  check_error(errors[0], 1, 1, "[[listener]]: missing required key \"name\"");
  check_error(errors[1], 1, 1, "[[listener]]: missing required key \"bind\"");
  check_error(errors[2], 1, 1, "[[listener]]: missing required key \"backend\"");
  check_error(errors[3], 4, 1, "[[backend]]: missing required key \"name\"");
  check_error(errors[4], 6, 1, "[[backend]] server: missing required key \"name\"");
  check_error(errors[5], 6, 1, "[[backend]] server: missing required key \"address\"");
}

TEST_CASE("structure errors: a backend without servers") {
  auto errors = errors_of(R"([[backend]]
name = "app"
balance = "hash"

[[backend]]
name = "empty"
server = []
)");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 1, "backend \"app\": no servers; add at least one [[backend.server]]");
  check_error(errors[1], 7, 10, "backend \"empty\": no servers; add at least one [[backend.server]]");
}

TEST_CASE("structure errors: names must be non-empty [A-Za-z0-9_.-]+") {
  auto errors = errors_of(R"([[listener]]
name = "web front"
bind = "127.0.0.1:8080"
backend = "app/1"

[[backend]]
name = ""
[[backend.server]]
name = "a1:9001"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 4, listing(errors));
  const char* rule = " is not a valid name: use only letters, digits, \"_\", \".\" and \"-\"";
  check_error(errors[0], 2, 8, std::string("[[listener]]: name \"web front\"") + rule);
  check_error(errors[1], 4, 11, std::string("[[listener]]: backend \"app/1\"") + rule);
  check_error(errors[2], 7, 8, std::string("[[backend]]: name \"\"") + rule);
  check_error(errors[3], 9, 8, std::string("[[backend]] server: name \"a1:9001\"") + rule);
}

TEST_CASE("structure errors: duplicate listener, backend and server names name the first definition") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"
[[listener]]
name = "web"
bind = "127.0.0.1:8081"
backend = "app"

[[backend]]
name = "app"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9002"

[[backend]]
name = "app"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
)");
  REQUIRE_MESSAGE(errors.size() == 3, listing(errors));
  check_error(errors[0], 6, 8, "duplicate listener name \"web\" (first defined at line 2)");
  check_error(errors[1], 16, 8, "backend \"app\": duplicate server name \"a1\" (first defined at line 13)");
  check_error(errors[2], 20, 8, "duplicate backend name \"app\" (first defined at line 11)");
}

TEST_CASE("structure errors: two listeners on one address, including under a wildcard") {
  auto errors = errors_of(R"([[listener]]
name = "a"
bind = "127.0.0.1:8080"
backend = "app"
[[listener]]
name = "b"
bind = "127.0.0.1:8080"
backend = "app"
[[listener]]
name = "c"
bind = "0.0.0.0:8080"
backend = "app"
[[listener]]
name = "d"
bind = "127.0.0.1:8081"
backend = "app"
[[listener]]
name = "e"
bind = "[::1]:8080"
backend = "app"
)" + app_backend);
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 7, 8,
              "listener \"b\": bind address 127.0.0.1:8080 is already used by listener \"a\" (line 3)");
  check_error(errors[1], 11, 8, "listener \"c\": bind address 0.0.0.0:8080 is already used by listener \"a\" (line 3)");
}

TEST_CASE("structure errors: a listener naming an undefined backend") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "ap"
[[listener]]
name = "api"
bind = "127.0.0.1:8081"
backend = "payments"
)" + app_backend);
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 4, 11, "listener \"web\": backend \"ap\" is not defined; did you mean \"app\"?");
  check_error(errors[1], 8, 11, "listener \"api\": backend \"payments\" is not defined");
}

TEST_CASE("structure errors: a redis listener needs a backend, and [backend.redis] a password for its user") {
  auto errors = errors_of(R"([[listener]]
name = "cache"
bind = "127.0.0.1:6380"
protocol = "redis"

[[backend]]
name = "app"
[backend.redis]
user = "proxy"
[[backend.server]]
name = "a"
address = "127.0.0.1:6379"
)");
  REQUIRE_MESSAGE(errors.size() == 2, listing(errors));
  check_error(errors[0], 1, 1, "listener \"cache\": missing required key \"backend\"");
  check_error(errors[1], 9, 8,
              "backend \"app\" redis: user needs password: the servers are logged in to with AUTH <user> <password>");
}

TEST_CASE("structure errors: a bind collides with the earliest listener on its address or its family's wildcard") {
  std::string text;
  auto listener = [&](const std::string& name, const std::string& bind) {
    text += "[[listener]]\nname = \"" + name + "\"\nbind = \"" + bind + "\"\nbackend = \"app\"\n";
  };
  listener("a", "127.0.0.1:8080");  // line 1
  listener("b", "0.0.0.0:8081");    // line 5
  listener("c", "127.0.0.2:8081");  // line 9: b's wildcard
  listener("d", "0.0.0.0:8080");    // line 13: a, the first on port 8080
  listener("e", "127.0.0.1:8080");  // line 17: a (before d's wildcard)
  listener("f", "[::1]:8080");      // another family
  listener("g", "127.0.0.1:0");     // any free port, twice
  listener("h", "127.0.0.1:0");
  listener("i", "[::]:8080");       // line 33: f, through the IPv6 wildcard
  text += "[[backend]]\nname = \"app\"\n[[backend.server]]\nname = \"a1\"\naddress = \"127.0.0.1:9001\"\n";
  auto errors = errors_of(text);
  REQUIRE_MESSAGE(errors.size() == 4, listing(errors));
  check_error(errors[0], 11, 8, "listener \"c\": bind address 127.0.0.2:8081 is already used by listener \"b\" (line 7)");
  check_error(errors[1], 15, 8, "listener \"d\": bind address 0.0.0.0:8080 is already used by listener \"a\" (line 3)");
  check_error(errors[2], 19, 8, "listener \"e\": bind address 127.0.0.1:8080 is already used by listener \"a\" (line 3)");
  check_error(errors[3], 35, 8, "listener \"i\": bind address [::]:8080 is already used by listener \"f\" (line 23)");
}

TEST_CASE("structure errors: a file with thousands of listeners and backends is checked in one pass") {
  // The name, bind and reference checks are indexed; with the nested scans
  // they replace this file took seconds.
  constexpr int count = 4000;
  std::string text;
  for (int i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    text += "[[listener]]\nname = \"l" + n + "\"\nbind = \"127.0.0.1:" + std::to_string(10000 + i) +
            "\"\nbackend = \"b" + n + "\"\n";
  }
  for (int i = 0; i < count; ++i)
    text += "[[backend]]\nname = \"b" + std::to_string(i) + "\"\n[[backend.server]]\nname = \"s\"\naddress = \"127.0.0.1:9001\"\n";
  LoadResult ok = load_string(text, "big.toml");
  REQUIRE(ok.ok());
  CHECK(ok.config->listeners.size() == count);
  CHECK(ok.config->backends.size() == count);

  // The last listener reuses the first's name and bind and names a missing backend.
  text += "[[listener]]\nname = \"l0\"\nbind = \"127.0.0.1:10000\"\nbackend = \"b" + std::to_string(count) + "\"\n";
  auto errors = errors_of(text);
  REQUIRE_MESSAGE(errors.size() == 3, listing(errors));
  CHECK(errors[0].message == "duplicate listener name \"l0\" (first defined at line 2)");
  CHECK(errors[1].message == "listener \"l0\": bind address 127.0.0.1:10000 is already used by listener \"l0\" (line 3)");
  CHECK(errors[2].message.starts_with("listener \"l0\": backend \"b4000\" is not defined; did you mean \"b"));
}
