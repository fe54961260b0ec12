// The path the proxies take: runtime state -> published snapshot ->
// make_selector -> pick_server. Operator and health changes only show in a
// new snapshot, and weight overrides change the shares.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "balancer/runtime.hpp"
#include "balancer/selector.hpp"

using namespace sy::balancer;

namespace {

std::shared_ptr<const sy::conf::Config> make_config() {
  auto config = std::make_shared<sy::conf::Config>();
  sy::conf::Backend backend;
  backend.name = "web";
  backend.balance = sy::conf::BalanceAlgorithm::round_robin;
  for (const char* name : {"web1", "web2"}) {
    sy::conf::Server server;
    server.name = name;
    backend.servers.push_back(server);
  }
  sy::conf::Server spare;
  spare.name = "spare";
  spare.backup = true;
  backend.servers.push_back(spare);
  config->backends.push_back(backend);
  return config;
}

// Picks per server name over `picks` picks from a fresh selector.
std::map<std::string, int> picks_by_name(const Snapshot& snapshot, int picks) {
  const BackendView* backend = snapshot.find_backend("web");
  REQUIRE(backend != nullptr);
  auto selector = make_selector(*backend);
  std::map<std::string, int> counts;
  for (int n = 0; n < picks; ++n) {
    auto index = pick_server(*backend, *selector, 0);
    counts[index ? backend->servers[*index].name() : "none"]++;
  }
  return counts;
}

}  // namespace

TEST_CASE("snapshot picks: drain, health and weight overrides reach the selector") {
  Runtime runtime;
  runtime.adopt(make_config());

  auto counts = picks_by_name(*runtime.build_snapshot(), 100);
  CHECK(counts["web1"] == 50);
  CHECK(counts["web2"] == 50);
  CHECK(counts["spare"] == 0);

  runtime.find("web", "web1")->weight_override = 300;
  counts = picks_by_name(*runtime.build_snapshot(), 400);
  CHECK(counts["web1"] == 300);
  CHECK(counts["web2"] == 100);

  runtime.find("web", "web1")->admin = AdminState::drain;
  runtime.find("web", "web2")->health = Health::down;
  auto snapshot = runtime.build_snapshot();
  counts = picks_by_name(*snapshot, 100);
  CHECK(counts["spare"] == 100);

  runtime.find("web", "web2")->health = Health::up;
  // The held snapshot does not change under the worker...
  CHECK(picks_by_name(*snapshot, 10)["spare"] == 10);
  // ...the next one does.
  CHECK(picks_by_name(*runtime.build_snapshot(), 10)["web2"] == 10);
}
