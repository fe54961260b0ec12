// One interface for every balancing algorithm (one file each). A worker
// builds a Selector per backend from a published snapshot and keeps it until
// the next snapshot; a Selector may hold per-worker state (round-robin
// position, RNG), so it is never shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "balancer/snapshot.hpp"

namespace sy::balancer {

// For role-checked (PostgreSQL) backends: which role a server must have.
struct RoleFilter {
  Role role = Role::unknown;      // unknown: any role (fenced servers never qualify)
  uint64_t max_lag_bytes = 0;     // replicas only; 0: no limit
  uint32_t max_lag_ms = 0;        // replicas only; 0: no limit
};

struct PickRequest {
  uint64_t hash_key = 0;               // used by `hash` (e.g. hash of the client address)
  std::span<const size_t> excluded;    // server indexes already tried for this connection
  bool backup_tier = false;            // pick among backup servers instead of primaries
  RoleFilter roles;                    // applied when the backend's roles are known
};

// Whether `server` may take work under `filter` (roles_known: the backend
// runs role checks; otherwise roles do not restrict anything).
bool role_allows(const ServerView& server, const RoleFilter& filter, bool roles_known);

class Selector {
 public:
  virtual ~Selector() = default;
  // Index into BackendView::servers of a server that is usable, in the
  // requested tier and not excluded; nullopt when there is none.
  virtual std::optional<size_t> pick(const PickRequest& request) = 0;

 protected:
  explicit Selector(const BackendView& backend) : backend_(backend) {}
  bool eligible(size_t index, const PickRequest& request) const;

  const BackendView& backend_;
};

// Builds the configured algorithm's selector for `backend` (which must
// outlive it: it lives in the snapshot the worker holds).
std::unique_ptr<Selector> make_selector(const BackendView& backend);

// Picks a server for new work: primaries first, backup servers only while no
// primary is usable. This is what the proxies call.
std::optional<size_t> pick_server(const BackendView& backend, Selector& selector, uint64_t hash_key,
                                  std::span<const size_t> excluded = {}, const RoleFilter& roles = {});

}  // namespace sy::balancer
