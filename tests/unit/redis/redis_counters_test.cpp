// The Redis front's counters: latency buckets and the sum over workers.
#include <doctest/doctest.h>

#include <string>

#include "proxy/redis/redis_counters.hpp"

using namespace sy::redis;

TEST_CASE("redis counters: a latency goes in the first bucket whose bound is not below it") {
  RedisCounters registry;
  WorkerCounters& counters = registry.add("cache");
  counters.record_latency(0);        // <= 100 us
  counters.record_latency(100);      // <= 100 us (bounds are inclusive, as Prometheus' le)
  counters.record_latency(101);      // <= 250 us
  counters.record_latency(5000000);  // past the last bound: +Inf
  CHECK(counters.latency_buckets[0].load() == 2);
  CHECK(counters.latency_buckets[1].load() == 1);
  CHECK(counters.latency_buckets.back().load() == 1);
  CHECK(counters.latency_sum_us.load() == 5000201);
}

TEST_CASE("redis counters: a scrape sums every worker's counters per backend") {
  RedisCounters registry;
  WorkerCounters& first = registry.add("cache");
  WorkerCounters& second = registry.add("cache");
  WorkerCounters& other = registry.add("sessions");
  WorkerCounters::add(first.commands, uint64_t{3});
  WorkerCounters::add(second.commands, uint64_t{4});
  WorkerCounters::add<int64_t>(first.dedicated_connections);
  WorkerCounters::add<int64_t>(second.dedicated_connections, -1);
  WorkerCounters::add(other.server_errors);
  int seen = 0;
  registry.for_each_backend([&](const std::string& name, const BackendTotals& totals) {
    ++seen;
    if (name == "cache") {
      CHECK(totals.commands == 7);
      CHECK(totals.dedicated_connections == 0);
      CHECK(totals.server_errors == 0);
    } else {
      CHECK(name == "sessions");
      CHECK(totals.server_errors == 1);
    }
  });
  CHECK(seen == 2);
}
