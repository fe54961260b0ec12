// The worker's fronts: made on first use from the registry's factory, one
// per protocol per worker, told about snapshots and shutdown; a protocol
// without a front has none (the worker closes such clients).
#include <doctest/doctest.h>

#include <memory>

#include "proxy/core/front.hpp"
#include "proxy/core/worker.hpp"

namespace sy::core {
namespace {

struct Events {
  int created = 0, sessions = 0, snapshots = 0, shutdowns = 0;
};

class CountingFront final : public Front {
 public:
  explicit CountingFront(Events& events) : events_(events) {}
  void start_session(const conf::Listener&, Socket*, std::shared_ptr<ListenerCounters>, const ClientAddresses&,
                     Slice) override {
    ++events_.sessions;
  }
  void on_snapshot() override { ++events_.snapshots; }
  void shutdown() override { ++events_.shutdowns; }

 private:
  Events& events_;
};

class CountingFactory final : public FrontFactory {
 public:
  explicit CountingFactory(Events& events) : events_(events) {}
  std::unique_ptr<Front> create(Worker&) override {
    ++events_.created;
    return std::make_unique<CountingFront>(events_);
  }

 private:
  Events& events_;
};

class NoReports final : public WorkerReports {
 public:
  void server_failed_passively(const std::string&, const std::string&, const std::string&) override {}
  void server_outlier(const std::string&, const std::string&, const std::string&) override {}
  void worker_stopped(unsigned) override {}
};

TEST_CASE("a worker makes each protocol's front once, on first use, from the registry") {
  Events events;
  FrontRegistry registry;
  registry.add(conf::Protocol::tcp, std::make_unique<CountingFactory>(events));
  NoReports reports;
  Worker worker(0, reports, registry);

  CHECK(worker.front_if_started(conf::Protocol::tcp) == nullptr);
  CHECK(events.created == 0);
  Front* first = worker.front(conf::Protocol::tcp);
  REQUIRE(first != nullptr);
  CHECK(worker.front(conf::Protocol::tcp) == first);
  CHECK(worker.front_if_started(conf::Protocol::tcp) == first);
  CHECK(events.created == 1);

  CHECK(worker.front(conf::Protocol::redis) == nullptr);  // nothing registered
  CHECK(worker.front_if_started(conf::Protocol::http) == nullptr);
  CHECK(registry.factory(conf::Protocol::http) == nullptr);
  CHECK(registry.factory_as<CountingFactory>(conf::Protocol::tcp) != nullptr);
}

TEST_CASE("each worker has its own front from the one factory") {
  Events events;
  FrontRegistry registry;
  registry.add(conf::Protocol::postgres, std::make_unique<CountingFactory>(events));
  NoReports reports;
  Worker a(0, reports, registry), b(1, reports, registry);
  CHECK(a.front(conf::Protocol::postgres) != b.front(conf::Protocol::postgres));
  CHECK(events.created == 2);
}

}  // namespace
}  // namespace sy::core
