// Lookup of the process-wide PostgreSQL counters; see shared_counters.hpp.
#include "proxy/postgres/shared_counters.hpp"

namespace sy::postgres {

PoolCounters& SharedCounters::pool(const PoolKey& key) {
  std::lock_guard lock(mutex_);
  return pools_[key];  // std::map nodes never move
}

DatabaseCounters& SharedCounters::database(const std::string& name) {
  std::lock_guard lock(mutex_);
  return databases_[name];
}

void SharedCounters::for_each_pool(const std::function<void(const PoolKey&, const PoolCounters&)>& visit) {
  std::lock_guard lock(mutex_);
  for (const auto& [key, counters] : pools_) visit(key, counters);
}

void SharedCounters::for_each_database(
    const std::function<void(const std::string&, const DatabaseCounters&)>& visit) {
  std::lock_guard lock(mutex_);
  for (const auto& [name, counters] : databases_) visit(name, counters);
}

}  // namespace sy::postgres
