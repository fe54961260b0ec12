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

}  // namespace sy::postgres
