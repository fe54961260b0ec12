// A followed backend's server list from the follower's reports.
#include <doctest/doctest.h>

#include "conf/loader.hpp"
#include "sentinel/discovered_servers.hpp"

using namespace sy;
using namespace sy::sentinel;

namespace {

std::shared_ptr<const conf::Config> load(const std::string& text) {
  auto result = conf::load_string(text, "test.toml");
  REQUIRE(result.ok());
  return result.config;
}

const std::string followed = R"([[backend]]
name = "cache"
[backend.sentinel]
master_name = "mymaster"
sentinels = ["127.0.0.1:26379"]
[[backend]]
name = "app"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
)";

MasterChange change(Endpoint master, std::vector<Endpoint> replicas) {
  return {std::move(master), std::move(replicas), false, ""};
}

}  // namespace

TEST_CASE("discovered servers: the master first, then the replicas, named by address") {
  auto servers = discovered_servers(change({"127.0.0.1", 6380}, {{"127.0.0.1", 6381}, {"127.0.0.1", 6382}}));
  REQUIRE(servers.size() == 3);
  CHECK(servers[0].name == "127.0.0.1:6380");
  CHECK(servers[0].address.port == 6380);
  CHECK(servers[1].name == "127.0.0.1:6381");
  CHECK(servers[2].address.to_string() == "127.0.0.1:6382");
  CHECK(servers[2].weight == 100);
}

TEST_CASE("discovered servers: only followed backends with a report change") {
  auto config = load(followed);
  std::map<std::string, MasterChange> reports = {{"cache", change({"127.0.0.1", 6380}, {{"127.0.0.1", 6381}})},
                                                 {"app", change({"127.0.0.1", 7000}, {})}};
  auto merged = with_discovered_servers(*config, reports);
  REQUIRE(merged->backends.size() == 2);
  const auto& cache = merged->backends[0].servers;
  REQUIRE(cache.size() == 2);
  CHECK(cache[0].name == "127.0.0.1:6380");
  CHECK(cache[1].name == "127.0.0.1:6381");
  // "app" has no [backend.sentinel]: a report for it changes nothing.
  REQUIRE(merged->backends[1].servers.size() == 1);
  CHECK(merged->backends[1].servers[0].name == "a1");
  // The configuration itself is untouched.
  CHECK(config->backends[0].servers.empty());
  CHECK(with_discovered_servers(*config, {})->backends[0].servers.empty());
}

TEST_CASE("discovered servers: a configured server at a reported address keeps its name") {
  auto config = load(R"([[backend]]
name = "cache"
[backend.sentinel]
master_name = "mymaster"
sentinels = ["127.0.0.1:26379"]
[[backend.server]]
name = "primary-box"
address = "127.0.0.1:6380"
)");
  auto merged = with_discovered_servers(*config, {{"cache", change({"127.0.0.1", 6380}, {{"127.0.0.1", 6381}})}});
  const auto& servers = merged->backends[0].servers;
  REQUIRE(servers.size() == 2);
  CHECK(servers[0].name == "primary-box");
  CHECK(servers[1].name == "127.0.0.1:6381");
}
