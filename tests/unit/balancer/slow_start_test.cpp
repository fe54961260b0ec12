// The slow-start ramp: where it starts, that it is linear and never
// overshoots, its ends, its publication step, and the snapshot weights a
// Runtime publishes for a server in a ramp.
#include <doctest/doctest.h>

#include "balancer/runtime.hpp"
#include "balancer/slow_start.hpp"

using namespace sy::balancer;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("slow start: the ramp starts at a twentieth of the weight and ends at all of it") {
  CHECK(slow_start_weight(100, milliseconds(0), seconds(30)) == 5);
  CHECK(slow_start_weight(100, milliseconds(1), seconds(30)) == 5);
  CHECK(slow_start_weight(100, seconds(15), seconds(30)) == 50);
  CHECK(slow_start_weight(100, seconds(27), seconds(30)) == 90);
  CHECK(slow_start_weight(100, milliseconds(29999), seconds(30)) == 100);
  CHECK(slow_start_weight(100, seconds(30), seconds(30)) == 100);
  CHECK(slow_start_weight(100, seconds(3600), seconds(30)) == 100);
}

TEST_CASE("slow start: the ramp is linear and never goes down or past the weight") {
  for (unsigned weight : {1u, 7u, 100u, 1000u}) {
    CAPTURE(weight);
    unsigned previous = 0;
    for (int64_t ms = 0; ms <= 10000; ms += 50) {
      unsigned w = slow_start_weight(weight, milliseconds(ms), seconds(10));
      CHECK(w >= previous);
      CHECK(w >= 1);
      CHECK(w <= weight);
      // Within one unit of weight * elapsed / window (or of the first share).
      double ideal = std::max(weight * ms / 10000.0, weight / 20.0);
      CHECK(w >= ideal - 1e-9);
      CHECK(w < ideal + 1);
      previous = w;
    }
  }
}

TEST_CASE("slow start: off, weight 0 and a clock that went backwards") {
  CHECK(slow_start_weight(100, milliseconds(0), milliseconds(0)) == 100);
  CHECK(slow_start_weight(0, milliseconds(0), seconds(30)) == 0);
  CHECK(slow_start_weight(100, milliseconds(-5), seconds(30)) == 5);
}

TEST_CASE("slow start: republished twenty times a window, within 100ms..5s per step") {
  CHECK(slow_start_step(seconds(30)) == milliseconds(1500));
  CHECK(slow_start_step(seconds(1)) == milliseconds(100));
  CHECK(slow_start_step(milliseconds(200)) == milliseconds(100));
  CHECK(slow_start_step(seconds(600)) == seconds(5));
}

TEST_CASE("slow start: a snapshot carries the ramp's weight at its time, override included") {
  auto config = std::make_shared<sy::conf::Config>();
  sy::conf::Backend backend;
  backend.name = "app";
  backend.slow_start = seconds(10);
  for (const char* name : {"a", "b"}) {
    sy::conf::Server server;
    server.name = name;
    server.weight = 200;
    backend.servers.push_back(server);
  }
  config->backends.push_back(backend);
  Runtime runtime;
  runtime.adopt(config);
  auto start = std::chrono::steady_clock::now();
  runtime.find("app", "a")->slow_start_since = start;

  auto weights = [&](std::chrono::steady_clock::time_point at) {
    auto snapshot = runtime.build_snapshot(at);
    return std::pair{snapshot->backends[0].servers[0].weight, snapshot->backends[0].servers[1].weight};
  };
  CHECK(weights(start) == std::pair{10u, 200u});
  CHECK(weights(start + seconds(5)) == std::pair{100u, 200u});
  CHECK(weights(start + seconds(10)) == std::pair{200u, 200u});
  runtime.find("app", "a")->weight_override = 50;
  CHECK(weights(start + seconds(5)) == std::pair{25u, 200u});
  runtime.find("app", "a")->slow_start_since.reset();
  CHECK(weights(start) == std::pair{50u, 200u});
}
