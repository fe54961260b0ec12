// The Redis front's counters; see redis_counters.hpp.
#include "proxy/redis/redis_counters.hpp"

#include <algorithm>

namespace sy::redis {

void WorkerCounters::record_latency(uint64_t microseconds) {
  size_t bucket = std::lower_bound(kLatencyBucketsUs.begin(), kLatencyBucketsUs.end(), microseconds) -
                  kLatencyBucketsUs.begin();
  add(latency_buckets[bucket]);
  add(latency_sum_us, microseconds);
}

WorkerCounters& RedisCounters::add(const std::string& backend) {
  std::lock_guard lock(mutex_);
  auto& list = backends_[backend];
  list.push_back(std::make_unique<WorkerCounters>());
  return *list.back();
}

void RedisCounters::for_each_backend(const std::function<void(const std::string&, const BackendTotals&)>& visit) {
  std::lock_guard lock(mutex_);
  for (const auto& [name, list] : backends_) {
    BackendTotals totals;
    auto load = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
    for (const auto& each : list) {
      totals.commands += load(each->commands);
      totals.server_errors += load(each->server_errors);
      totals.proxy_errors += load(each->proxy_errors);
      totals.retries += load(each->retries);
      totals.dedicated_refused += load(each->dedicated_refused);
      totals.master_waits += load(each->master_waits);
      totals.replica_reads += load(each->replica_reads);
      totals.shared_connections += load(each->shared_connections);
      totals.dedicated_connections += load(each->dedicated_connections);
      for (size_t i = 0; i < totals.latency_buckets.size(); ++i) totals.latency_buckets[i] += load(each->latency_buckets[i]);
      totals.latency_sum_us += load(each->latency_sum_us);
    }
    visit(name, totals);
  }
}

}  // namespace sy::redis
