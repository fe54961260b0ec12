// What every algorithm shares: who may be picked for a request, building the
// configured algorithm, and the primary-then-backup order the proxies use.
#include "balancer/selector.hpp"

#include <algorithm>

#include "balancer/consistent_hash.hpp"
#include "balancer/least_conn.hpp"
#include "balancer/random_two.hpp"
#include "balancer/round_robin.hpp"

namespace sy::balancer {

bool role_allows(const ServerView& server, const RoleFilter& filter, bool roles_known) {
  if (!roles_known) return true;
  if (server.role == Role::fenced) return false;
  if (filter.role == Role::unknown) return true;
  if (server.role != filter.role) return false;
  if (filter.role != Role::replica) return true;
  const auto& counters = *server.counters;
  if (filter.max_lag_bytes && counters.replica_lag_bytes.load(std::memory_order_relaxed) > filter.max_lag_bytes)
    return false;
  if (filter.max_lag_ms && counters.replica_lag_ms.load(std::memory_order_relaxed) > filter.max_lag_ms) return false;
  return true;
}

bool Selector::eligible(size_t index, const PickRequest& request) const {
  const ServerView& server = backend_.servers[index];
  if (!server.usable() || server.backup != request.backup_tier) return false;
  if (!role_allows(server, request.roles, backend_.roles_known())) return false;
  // A handful of retries at most: a linear scan beats any set here.
  return std::find(request.excluded.begin(), request.excluded.end(), index) == request.excluded.end();
}

std::unique_ptr<Selector> make_selector(const BackendView& backend) {
  switch (backend.config->balance) {
    case conf::BalanceAlgorithm::round_robin: return std::make_unique<RoundRobinSelector>(backend);
    case conf::BalanceAlgorithm::least_conn: return std::make_unique<LeastConnSelector>(backend);
    case conf::BalanceAlgorithm::random_two: return std::make_unique<RandomTwoSelector>(backend);
    case conf::BalanceAlgorithm::hash: return std::make_unique<ConsistentHashSelector>(backend);
  }
  return std::make_unique<RoundRobinSelector>(backend);
}

std::optional<size_t> pick_server(const BackendView& backend, Selector& selector, uint64_t hash_key,
                                  std::span<const size_t> excluded, const RoleFilter& roles) {
  PickRequest request{.hash_key = hash_key, .excluded = excluded, .backup_tier = false, .roles = roles};
  if (auto index = selector.pick(request)) return index;
  // Most backends have no backup server: spare them a second pass.
  bool has_backup = std::any_of(backend.servers.begin(), backend.servers.end(),
                                [](const ServerView& server) { return server.backup; });
  if (!has_backup) return std::nullopt;
  request.backup_tier = true;
  return selector.pick(request);
}

}  // namespace sy::balancer
