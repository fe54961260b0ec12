// What a role-aware check (PostgreSQL, Patroni) learns about a server beyond
// "it answers": the facts the control thread elects the primary from and
// measures replica lag with. Plain data, no I/O.
#pragma once

#include <cstdint>

namespace sy::health {

struct RoleReport {
  bool in_recovery = false;          // a replica (or a primary not yet promoted)
  uint32_t timeline = 0;
  uint64_t wal_lsn = 0;              // primary: current WAL position; replica: last replayed
  uint64_t receive_lsn = 0;          // replica: last received from its upstream (0: none)
  double replay_delay_seconds = 0;   // replica, while behind: age of the last replayed transaction
};

}  // namespace sy::health
