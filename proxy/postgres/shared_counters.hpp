// Counters every worker shares for the PostgreSQL front, so that limits hold
// over all threads: server connections per pool and per database, clients
// per database and overall. Created on first use, kept for the life of the
// process (a pool's key is its database and user names), never freed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "conf/postgres_config.hpp"
#include "proxy/postgres/parameters.hpp"

namespace sy::postgres {

// A pool serves one (database, user) toward one kind of server: a database
// with split_reads has a pool for its target (the primary) and one for reads.
struct PoolKey {
  std::string database;
  std::string user;
  conf::DatabaseTarget target = conf::DatabaseTarget::primary;

  auto operator<=>(const PoolKey&) const = default;
};

struct PoolCounters {
  // The server's parameters for the login answer, once any worker has
  // logged in a server of this pool (so no worker needs a server of its own
  // just to let a client log in).
  std::mutex login_mutex;
  std::shared_ptr<const ParameterSet> login_parameters;

  std::atomic<int> servers{0};  // open or being opened, all workers
  std::atomic<int> waiting{0};  // clients waiting for a server, all workers
  std::atomic<uint64_t> transactions{0};
  std::atomic<uint64_t> queries{0};
  std::atomic<uint64_t> wait_time_us{0};
  // What each worker's part of the pool looks like, so that a server
  // released on one worker goes to another only when that one is clearly
  // worse off (see WorkerPool::worker_to_give_to). One cache line each:
  // every worker writes its own at each wait.
  struct alignas(64) WorkerShare {
    std::atomic<int> held{0};            // server connections (opening, idle or linked)
    std::atomic<int> waiting{0};         // clients waiting for one
    std::atomic<uint64_t> oldest_wait{0};  // since when the first of them waits (0: none)
  };
  static constexpr size_t kTrackedWorkers = 64;
  std::array<WorkerShare, kTrackedWorkers> shares{};
};

struct DatabaseCounters {
  std::atomic<int> servers{0};
  std::atomic<int> clients{0};
};

// Takes one unit of `counter` if it stays at or below `limit` (0 = none).
inline bool try_acquire(std::atomic<int>& counter, unsigned limit) {
  int current = counter.load(std::memory_order_relaxed);
  do {
    if (limit != 0 && current >= static_cast<int>(limit)) return false;
  } while (!counter.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

class SharedCounters {
 public:
  // Lookups lock; callers keep the reference (stable for the process life).
  PoolCounters& pool(const PoolKey& key);
  DatabaseCounters& database(const std::string& name);
  std::atomic<int>& clients() { return clients_; }
  // Visits every pool and database seen so far (for metrics), under the lock.
  void for_each_pool(const std::function<void(const PoolKey&, const PoolCounters&)>& visit);
  void for_each_database(const std::function<void(const std::string&, const DatabaseCounters&)>& visit);

 private:
  std::mutex mutex_;
  std::map<PoolKey, PoolCounters> pools_;
  std::map<std::string, DatabaseCounters> databases_;
  std::atomic<int> clients_{0};
};

}  // namespace sy::postgres
