// The HTTP sections: every key read, routes kept in order with their
// conditions and rewrites normalised, and each mistake reported at its
// file:line:col with a message that says what to write instead.
#include <doctest/doctest.h>

#include "conf/loader.hpp"

using namespace sy::conf;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const Config> load_ok(std::string_view text) {
  LoadResult result = load_string(text, "test.toml");
  for (const Diagnostic& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.ok());
  return result.config;
}

std::vector<std::string> errors_of(const std::string& text) {
  LoadResult result = load_string(text, "test.toml");
  CHECK_FALSE(result.ok());
  std::vector<std::string> lines;
  for (const Diagnostic& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

std::string listing(const std::vector<std::string>& errors) {
  std::string text;
  for (const auto& error : errors) text += "\n  " + error;
  return text;
}

const std::string backends = R"(
[[backend]]
name = "app"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
[[backend]]
name = "api"
[[backend.server]]
name = "api1"
address = "127.0.0.1:9002"
)";

}  // namespace

TEST_CASE("http config: a listener with every HTTP key and two routes") {
  auto config = load_ok(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "http"
backend = "app"
accept_proxy = true

[listener.http]
request_timeout = "5s"
keepalive_timeout = "30s"
max_header_size = "16KiB"
max_headers = 50
max_body_size = "10MB"
forwarded_headers = false
trust_forwarded = true
request_id_header = "X-Trace"
health_path = "/healthz"
access_log = false

[[listener.route]]
name = "api"
hosts = ["API.example.com", "*.api.example.com"]
path_prefix = "/v1/"
methods = ["GET", "POST"]
headers = ["X-Canary: 1", "X-Debug"]
backend = "api"
strip_prefix = true
set_request_headers = ["X-From:  switchyard "]
remove_request_headers = ["Cookie"]
set_response_headers = ["Cache-Control: no-store"]
remove_response_headers = ["Server"]

[[listener.route]]
path_prefix = "/old"
rewrite_prefix = "/new"
backend = "app"
)" + backends + R"(
[backend.http]
max_idle_per_server = 10
keepalive_timeout = "2s"
response_timeout = "3s"
idle_timeout = "4s"
retry_idempotent = false
sticky_cookie = "SRV"
[backend.outlier_ejection]
consecutive_failures = 3
base_ejection_time = "1s"
max_ejection_time = "8s"
max_ejected_percent = 100
)");
  const Listener& web = config->listeners.at(0);
  CHECK(web.protocol == Protocol::http);
  CHECK(web.accept_proxy);
  CHECK(web.http.request_timeout == 5s);
  CHECK(web.http.keepalive_timeout == 30s);
  CHECK(web.http.max_header_size == 16384);
  CHECK(web.http.max_headers == 50);
  CHECK(web.http.max_body_size == 10'000'000);
  CHECK_FALSE(web.http.forwarded_headers);
  CHECK(web.http.trust_forwarded);
  CHECK(web.http.request_id_header == "X-Trace");
  CHECK(web.http.health_path == "/healthz");
  CHECK_FALSE(web.http.access_log);
  REQUIRE(web.routes.size() == 2);
  const HttpRoute& api = web.routes[0];
  CHECK(api.name == "api");
  CHECK(api.hosts == std::vector<std::string>{"api.example.com", "*.api.example.com"});
  CHECK(api.path_prefix == "/v1/");
  CHECK(api.methods == std::vector<std::string>{"GET", "POST"});
  REQUIRE(api.headers.size() == 2);
  CHECK(api.headers[0].name == "X-Canary");
  CHECK(api.headers[0].value == "1");
  CHECK_FALSE(api.headers[1].value);
  CHECK(api.backend == "api");
  CHECK(api.strip_prefix);
  REQUIRE(api.set_request_headers.size() == 1);
  CHECK(api.set_request_headers[0].name == "X-From");
  CHECK(api.set_request_headers[0].value == "switchyard");
  CHECK(api.remove_request_headers == std::vector<std::string>{"Cookie"});
  CHECK(api.set_response_headers.at(0).value == "no-store");
  CHECK(api.remove_response_headers == std::vector<std::string>{"Server"});
  const HttpRoute& old = web.routes[1];
  CHECK(old.name == "route2");
  CHECK(old.rewrite_prefix == "/new");

  const Backend& api_backend = config->backends.at(1);
  CHECK(api_backend.http.max_idle_per_server == 10);
  CHECK(api_backend.http.keepalive_timeout == 2s);
  CHECK(api_backend.http.response_timeout == 3s);
  CHECK(api_backend.http.idle_timeout == 4s);
  CHECK_FALSE(api_backend.http.retry_idempotent);
  CHECK(api_backend.http.sticky_cookie == "SRV");
  CHECK(api_backend.outlier_ejection.consecutive_failures == 3);
  CHECK(api_backend.outlier_ejection.base_ejection_time == 1s);
  CHECK(api_backend.outlier_ejection.max_ejection_time == 8s);
  CHECK(api_backend.outlier_ejection.max_ejected_percent == 100);
}

TEST_CASE("http config: hash_on, hash_name and send_proxy") {
  auto config = load_ok(R"([[backend]]
name = "app"
balance = "hash"
hash_on = "cookie"
hash_name = "session"
send_proxy = "v2"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
)");
  const Backend& app = config->backends.at(0);
  CHECK(app.hash_on == HashOn::cookie);
  CHECK(app.hash_name == "session");
  CHECK(app.send_proxy == ProxyProtocol::v2);
}

TEST_CASE("http config: an http listener with routes needs no default backend; one with nothing does") {
  load_ok(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "http"
[[listener.route]]
backend = "app"
)" + backends);
  load_ok(R"([[listener]]
name = "health"
bind = "127.0.0.1:8080"
protocol = "http"
[listener.http]
health_path = "/healthz"
)");
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "http"
)");
  REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
  CHECK(errors[0] ==
        "test.toml:2:8: listener \"web\": an http listener needs a backend (its default) or [[listener.route]] rules");
}

TEST_CASE("http config: HTTP sections on a tcp listener, accept_proxy on postgres") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
backend = "app"
[listener.http]
access_log = false
[[listener.route]]
backend = "app"
[[listener]]
name = "pg"
bind = "127.0.0.1:6432"
protocol = "postgres"
accept_proxy = true
)" + backends);
  REQUIRE_MESSAGE(errors.size() == 3, listing(errors));
  CHECK(errors[0] == "test.toml:5:1: listener \"web\": [listener.http] is only for protocol = \"http\"");
  CHECK(errors[1] == "test.toml:7:1: listener \"web\": [[listener.route]] is only for protocol = \"http\"");
  CHECK(errors[2] == "test.toml:13:16: listener \"pg\": accept_proxy is for tcp and http listeners");
}

TEST_CASE("http config: route mistakes") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "http"
[[listener.route]]
hosts = ["example.com:8080", "a b", "*.ok.com"]
path_prefix = "api"
methods = ["get", "P@ST"]
headers = ["X A: 1"]
backend = "ap"
strip_prefix = true
rewrite_prefix = "/x"
set_request_headers = ["NoColon", "X-Ok: fine", "Bad Name: v"]
remove_response_headers = ["Ser ver"]
[[listener.route]]
strip_prefix = true
backend = "app"
[[listener.route]]
name = "route2"
backend = "app"
)" + backends);
  std::vector<std::string> expected = {
      "test.toml:6:9: listener \"web\" route \"route1\": host \"example.com:8080\": hosts match without the port",
      "test.toml:6:9: listener \"web\" route \"route1\": host \"a b\" is not a host name or \"*.\" followed by one",
      "test.toml:7:15: listener \"web\" route \"route1\": path_prefix must start with \"/\", got \"api\"",
      "test.toml:8:11: listener \"web\" route \"route1\": method \"get\": methods are case-sensitive and upper case",
      "test.toml:8:11: listener \"web\" route \"route1\": method \"P@ST\" is not a valid method name",
      "test.toml:9:11: listener \"web\" route \"route1\": invalid header name \"X A\" in \"X A: 1\"",
      "test.toml:10:11: listener \"web\" route \"route1\": backend \"ap\" is not defined; did you mean \"app\"?",
      "test.toml:12:18: listener \"web\" route \"route1\": strip_prefix and rewrite_prefix cannot both be set",
      "test.toml:13:23: listener \"web\" route \"route1\": set_request_headers: expected \"Name: value\", got \"NoColon\"",
      "test.toml:13:23: listener \"web\" route \"route1\": set_request_headers: invalid header name \"Bad Name\" in "
      "\"Bad Name: v\"",
      "test.toml:14:27: listener \"web\" route \"route1\": remove_response_headers: invalid header name \"Ser ver\"",
      "test.toml:16:16: listener \"web\" route \"route2\": strip_prefix needs path_prefix",
      "test.toml:19:8: listener \"web\": duplicate route name \"route2\" (first defined at line 15)",
  };
  CHECK(listing(errors) == listing(expected));
}

TEST_CASE("http config: listener.http and backend mistakes") {
  auto errors = errors_of(R"([[listener]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "http"
backend = "app"
[listener.http]
health_path = "healthz"
request_id_header = "X Id"
max_header_size = 100
request_timout = "1s"
[[backend]]
name = "app"
hash_on = "header"
[backend.http]
sticky_cookie = "a;b"
[backend.outlier_ejection]
base_ejection_time = "1m"
max_ejection_time = "10s"
[[backend.server]]
name = "app1"
address = "127.0.0.1:9001"
[[backend]]
name = "other"
hash_name = "X-User"
send_proxy = "v3"
[[backend.server]]
name = "o1"
address = "127.0.0.1:9002"
)");
  std::vector<std::string> expected = {
      "test.toml:7:15: listener \"web\" http: health_path must start with \"/\", got \"healthz\"",
      "test.toml:8:21: listener \"web\" http: request_id_header \"X Id\" is not a valid header name",
      "test.toml:9:19: listener \"web\" http: max_header_size must be between 1024 and 1048576 bytes, got 100",
      "test.toml:10:1: unknown key \"request_timout\" in [listener.http]; did you mean \"request_timeout\"?",
      "test.toml:13:11: backend \"app\": hash_on = \"header\" needs hash_name",
      "test.toml:15:17: backend \"app\" http: sticky_cookie \"a;b\" is not a valid cookie name",
      "test.toml:18:21: backend \"app\" outlier_ejection: max_ejection_time 10s is shorter than base_ejection_time 1m",
      "test.toml:24:13: backend \"other\": hash_name is for hash_on = \"header\" or \"cookie\"",
      "test.toml:25:14: backend \"other\": send_proxy \"v3\" is not one of: none, v1, v2",
  };
  CHECK(listing(errors) == listing(expected));
}
