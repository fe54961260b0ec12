// What the Redis front counts for Prometheus, per backend. Each worker's
// ServerPool owns a WorkerCounters of its own and is its only writer (so an
// increment is a plain load and store, no locked instruction on the command
// path); the control thread sums every worker's at a scrape. The registry
// keeps them for the life of the process, so counters never go backwards
// when a worker's pool goes away.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sy::redis {

// Upper bounds of the command latency histogram, in microseconds: from a
// local round trip to a slow command on a busy server.
inline constexpr std::array<uint64_t, 11> kLatencyBucketsUs = {100,   250,   500,    1000,   2500,  5000,
                                                               10000, 25000, 100000, 250000, 1000000};

struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> commands{0};           // client commands sent to a server
  std::atomic<uint64_t> server_errors{0};      // error replies from a server, passed on
  std::atomic<uint64_t> proxy_errors{0};       // errors the proxy answered instead (no master, limits, lost)
  std::atomic<uint64_t> retries{0};            // commands sent again elsewhere (-READONLY, a failed connect)
  std::atomic<uint64_t> dedicated_refused{0};  // max_dedicated reached
  std::atomic<uint64_t> master_waits{0};       // commands that waited for a master
  std::atomic<uint64_t> replica_reads{0};      // read-only commands sent to a replica (read_from)
  std::atomic<int64_t> shared_connections{0};
  std::atomic<int64_t> dedicated_connections{0};
  // Shared connections only: a dedicated connection's replies can wait on
  // purpose (BLPOP), which would say nothing about the server.
  std::array<std::atomic<uint64_t>, kLatencyBucketsUs.size() + 1> latency_buckets{};  // the last one: +Inf
  std::atomic<uint64_t> latency_sum_us{0};

  // The worker is the only writer: no read-modify-write needed.
  template <typename T>
  static void add(std::atomic<T>& counter, T amount = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  void record_latency(uint64_t microseconds);
};

// The sum over the workers, for a scrape.
struct BackendTotals {
  uint64_t commands = 0, server_errors = 0, proxy_errors = 0, retries = 0, dedicated_refused = 0,
           master_waits = 0, replica_reads = 0;
  int64_t shared_connections = 0, dedicated_connections = 0;
  std::array<uint64_t, kLatencyBucketsUs.size() + 1> latency_buckets{};
  uint64_t latency_sum_us = 0;
};

class RedisCounters {
 public:
  // A new WorkerCounters for one worker's pool of `backend`; stable for the
  // process life.
  WorkerCounters& add(const std::string& backend);
  void for_each_backend(const std::function<void(const std::string&, const BackendTotals&)>& visit);

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<WorkerCounters>>> backends_;
};

}  // namespace sy::redis
