// type = "redis" checks and [backend.sentinel]: what a load makes of them and
// the mistakes it rejects at their place in the file.
#include <doctest/doctest.h>

#include "conf/loader.hpp"

using namespace sy::conf;

namespace {

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

const std::string server = "[[backend.server]]\nname = \"r1\"\naddress = \"127.0.0.1:6379\"\n";

}  // namespace

TEST_CASE("redis checks: the defaults are quick, and no user means Redis' default user") {
  auto config = load_ok("[[backend]]\nname = \"cache\"\n[backend.health_check]\ntype = \"redis\"\n" + server);
  const HealthCheck& check = config->backends.at(0).health_check;
  CHECK(check.kind == HealthCheckKind::redis);
  CHECK(check.interval == std::chrono::milliseconds(500));
  CHECK(check.timeout == std::chrono::milliseconds(500));
  CHECK(check.user.empty());
  CHECK(check.password.empty());
  CHECK(reports_roles(check.kind));
}

TEST_CASE("redis checks: an ACL user with its password; a shorter interval shortens the timeout") {
  auto config = load_ok(
      "[[backend]]\nname = \"cache\"\n[backend.health_check]\ntype = \"redis\"\nuser = \"monitor\"\n"
      "password = \"pw\"\ninterval = \"200ms\"\n" + server);
  const HealthCheck& check = config->backends.at(0).health_check;
  CHECK(check.user == "monitor");
  CHECK(check.password == "pw");
  CHECK(check.timeout == std::chrono::milliseconds(200));
}

TEST_CASE("redis checks: a user without a password is an error at the user") {
  CHECK(only_error("[[backend]]\nname = \"cache\"\n[backend.health_check]\ntype = \"redis\"\nuser = \"monitor\"\n" +
                   server) ==
        "test.toml:5:8: backend \"cache\" health_check: user needs password: type \"redis\" logs in with AUTH "
        "<user> <password>");
}

TEST_CASE("sentinel: a backend with [backend.sentinel] needs no servers") {
  auto config = load_ok(R"([[backend]]
name = "cache"
[backend.sentinel]
master_name = "mymaster"
sentinels = ["127.0.0.1:26379", "127.0.0.1:26380"]
password = "sentinelpw"
[backend.health_check]
type = "redis"
)");
  const Backend& backend = config->backends.at(0);
  CHECK(backend.servers.empty());
  REQUIRE(backend.sentinel.has_value());
  CHECK(backend.sentinel->master_name == "mymaster");
  REQUIRE(backend.sentinel->sentinels.size() == 2);
  CHECK(backend.sentinel->sentinels[1].to_string() == "127.0.0.1:26380");
  CHECK(backend.sentinel->password == "sentinelpw");
  CHECK(backend.sentinel->user.empty());
  CHECK(backend.sentinel->poll_interval == std::chrono::seconds(1));
  CHECK(backend.sentinel->timeout == std::chrono::milliseconds(500));
}

TEST_CASE("sentinel: without [backend.sentinel] a backend still needs servers") {
  CHECK(only_error("[[backend]]\nname = \"cache\"\n") ==
        "test.toml:1:1: backend \"cache\": no servers; add at least one [[backend.server]]");
}

TEST_CASE("sentinel: master_name and sentinels are required, sentinels are addresses") {
  CHECK(only_error("[[backend]]\nname = \"cache\"\n[backend.sentinel]\nsentinels = [\"127.0.0.1:26379\"]\n")
            .find("backend \"cache\" sentinel: missing required key \"master_name\"") != std::string::npos);
  CHECK(only_error("[[backend]]\nname = \"cache\"\n[backend.sentinel]\nmaster_name = \"m\"\nsentinels = []\n") ==
        "test.toml:5:13: backend \"cache\" sentinel: sentinels must name at least one Sentinel (\"host:port\")");
  std::string bad = only_error(
      "[[backend]]\nname = \"cache\"\n[backend.sentinel]\nmaster_name = \"m\"\nsentinels = [\"127.0.0.1\"]\n");
  CHECK(bad.starts_with("test.toml:5:13: backend \"cache\" sentinel: sentinel \"127.0.0.1\": "));
}

TEST_CASE("sentinel: a Sentinel user without a password is an error") {
  CHECK(only_error("[[backend]]\nname = \"cache\"\n[backend.sentinel]\nmaster_name = \"m\"\n"
                   "sentinels = [\"127.0.0.1:26379\"]\nuser = \"u\"\n") ==
        "test.toml:6:8: backend \"cache\" sentinel: user needs password: the Sentinels are asked after AUTH <user> "
        "<password>");
}
