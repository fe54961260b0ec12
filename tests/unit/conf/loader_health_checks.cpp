// The keys of type = "http" and "patroni" checks, the ports checks probe and
// slow_start: what a load makes of them, and the mistakes it rejects at
// their place in the file.
#include <doctest/doctest.h>

#include "conf/loader.hpp"

using namespace sy::conf;

namespace {

// A backend "app" whose [backend.health_check] (line 3) holds `check`, and
// whose one server (from the line after) holds `server_extra`.
std::string backend_with(const std::string& check, const std::string& server_extra = "",
                         const std::string& backend_extra = "") {
  return "[[backend]]\nname = \"app\"\n" + backend_extra + "[backend.health_check]\n" + check +
         "[[backend.server]]\nname = \"app1\"\naddress = \"127.0.0.1:9001\"\n" + server_extra;
}

std::shared_ptr<const Config> load_ok(const std::string& text) {
  LoadResult result = load_string(text, "test.toml");
  for (const Diagnostic& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.ok());
  return result.config;
}

std::string only_error(const std::string& text) {
  LoadResult result = load_string(text, "test.toml");
  REQUIRE_FALSE(result.ok());
  std::string all;
  for (const Diagnostic& error : result.errors) all += "\n  " + error.to_string();
  REQUIRE_MESSAGE(result.errors.size() == 1, all);
  return result.errors[0].to_string();
}

}  // namespace

TEST_CASE("health checks: an http check with every key") {
  auto config = load_ok(backend_with(R"(type = "http"
method = "HEAD"
path = "/healthz?full=1"
host = "app.internal"
expect_status = "200-299, 301"
expect_body = "ok"
port = 8081
)"));
  const HealthCheck& check = config->backends.at(0).health_check;
  CHECK(check.kind == HealthCheckKind::http);
  CHECK(check.method == "HEAD");
  CHECK(check.path == "/healthz?full=1");
  CHECK(check.host == "app.internal");
  CHECK(check.expect_status == std::vector<StatusRange>{{200, 299}, {301, 301}});
  CHECK(check.expect_body == "ok");
  CHECK(check.port == 8081);
  CHECK(check.interval == std::chrono::seconds(2));  // the tcp defaults
}

TEST_CASE("health checks: checks probe health_check.port, or a server's own check_port") {
  auto config = load_ok(backend_with("type = \"patroni\"\nport = 8008\n", "check_port = 8010\n") +
                        "[[backend.server]]\nname = \"app2\"\naddress = \"127.0.0.1:9002\"\n");
  const Backend& backend = config->backends.at(0);
  CHECK(backend.check_address(backend.servers.at(0)).port == 8010);
  CHECK(backend.check_address(backend.servers.at(0)).to_string() == "127.0.0.1:8010");
  CHECK(backend.check_address(backend.servers.at(1)).port == 8008);
  CHECK(backend.servers.at(1).address.port == 9002);  // traffic still goes to the server's port
  // Patroni's defaults: a probe a second.
  CHECK(backend.health_check.interval == std::chrono::seconds(1));
  CHECK(backend.health_check.timeout == std::chrono::seconds(1));

  auto plain = load_ok(backend_with("type = \"tcp\"\n"));
  const Backend& tcp = plain->backends.at(0);
  CHECK(tcp.check_address(tcp.servers.at(0)).port == 9001);
}

TEST_CASE("health checks: slow_start is a duration on the backend, off by default") {
  auto config = load_ok(backend_with("type = \"tcp\"\n", "", "slow_start = \"30s\"\n"));
  CHECK(config->backends.at(0).slow_start == std::chrono::seconds(30));
  CHECK(load_ok(backend_with("type = \"tcp\"\n"))->backends.at(0).slow_start.count() == 0);
  CHECK(only_error(backend_with("type = \"tcp\"\n", "", "slow_start = \"soon\"\n")).starts_with(
      "test.toml:3:14: backend \"app\": slow_start:"));
}

TEST_CASE("health checks: bad http settings are rejected where they are written") {
  CHECK(only_error(backend_with("type = \"http\"\nexpect_status = \"2xx\"\n")) ==
        "test.toml:5:17: backend \"app\" health_check: expect_status: \"2xx\" is not an HTTP status from 100 to 599 "
        "(expected statuses such as \"200-299,301\")");
  CHECK(only_error(backend_with("type = \"http\"\npath = \"health\"\n")) ==
        "test.toml:5:8: backend \"app\" health_check: path \"health\" must start with \"/\" and hold no spaces or "
        "control characters");
  CHECK(only_error(backend_with("type = \"http\"\npath = \"/a b\"\n")).starts_with("test.toml:5:8:"));
  CHECK(only_error(backend_with("type = \"http\"\nmethod = \"get\"\n")) ==
        "test.toml:5:10: backend \"app\" health_check: method \"get\" is not an HTTP method: use capital letters (GET)");
  CHECK(only_error(backend_with("type = \"http\"\nhost = \"a\\r\\nX-Evil: 1\"\n")).starts_with("test.toml:5:8:"));
  CHECK(only_error(backend_with("type = \"http\"\nport = 70000\n")).starts_with(
      "test.toml:5:8: backend \"app\" health_check: port must be between 1 and 65535"));
}

TEST_CASE("health checks: http keys on another check type are an error, not ignored") {
  CHECK(only_error(backend_with("type = \"tcp\"\nexpect_body = \"ok\"\n")) ==
        "test.toml:5:15: backend \"app\" health_check: expect_body applies to type \"http\" only; this check is type "
        "\"tcp\"");
  CHECK(only_error(backend_with("type = \"patroni\"\nport = 8008\npath = \"/patroni\"\n")).starts_with(
      "test.toml:6:8: backend \"app\" health_check: path applies to type \"http\" only"));
}

TEST_CASE("health checks: patroni checks need the REST API's port") {
  CHECK(only_error(backend_with("type = \"patroni\"\n")) ==
        "test.toml:5:1: backend \"app\" server \"app1\": type \"patroni\" checks need the port of Patroni's REST API: "
        "set port in [backend.health_check] (Patroni's default is 8008) or check_port here");
  load_ok(backend_with("type = \"patroni\"\n", "check_port = 8008\n"));
}
