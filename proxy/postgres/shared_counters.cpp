// Lookup of the process-wide PostgreSQL counters; see shared_counters.hpp.
#include "proxy/postgres/shared_counters.hpp"

namespace sy::postgres {

PoolCounters& SharedCounters::pool(const std::string& database, const std::string& user) {
  std::lock_guard lock(mutex_);
  return pools_[{database, user}];  // std::map nodes never move
}

DatabaseCounters& SharedCounters::database(const std::string& name) {
  std::lock_guard lock(mutex_);
  return databases_[name];
}

}  // namespace sy::postgres
