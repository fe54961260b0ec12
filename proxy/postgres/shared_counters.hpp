// Counters every worker shares for the PostgreSQL front, so that limits hold
// over all threads: server connections per pool and per database, clients
// per database and overall. Created on first use, kept for the life of the
// process (a pool's key is its database and user names), never freed.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sy::postgres {

struct PoolCounters {
  std::atomic<int> servers{0};  // open or being opened, all workers
  std::atomic<int> waiting{0};  // clients waiting for a server, all workers
  std::atomic<uint64_t> transactions{0};
  std::atomic<uint64_t> queries{0};
  std::atomic<uint64_t> wait_time_us{0};
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
  PoolCounters& pool(const std::string& database, const std::string& user);
  DatabaseCounters& database(const std::string& name);
  std::atomic<int>& clients() { return clients_; }

  template <typename Visit>
  void for_each_pool(Visit visit) {
    std::lock_guard lock(mutex_);
    for (auto& [key, counters] : pools_) visit(key.first, key.second, counters);
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, PoolCounters> pools_;
  std::map<std::string, DatabaseCounters> databases_;
  std::atomic<int> clients_{0};
};

}  // namespace sy::postgres
