// One health probe of one server, run on the control loop. Probes do the I/O;
// HealthMonitor decides what the results mean. A probe calls `done` exactly
// once unless it is cancelled first.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "conf/config.hpp"

namespace sy::health {

// What a PostgreSQL check learns beyond "it answers".
struct RoleReport {
  bool in_recovery = false;          // a replica (or a primary not yet promoted)
  uint32_t timeline = 0;
  uint64_t wal_lsn = 0;              // primary: current WAL position; replica: last replayed
  uint64_t receive_lsn = 0;          // replica: last received from its upstream (0: none)
  double replay_delay_seconds = 0;   // replica, while behind: age of the last replayed transaction
};

struct ProbeResult {
  bool ok = false;
  std::string reason;  // "connection refused", "timeout after 1s", "connected in 3ms"
  std::optional<RoleReport> role;  // PostgreSQL checks only
};

class Probe {
 public:
  using Done = std::function<void(ProbeResult)>;
  virtual ~Probe() = default;
  // Stops the probe; `done` will not be called. The probe frees itself.
  virtual void cancel() = 0;
};

// Starts a TCP connect probe; the returned pointer is valid until `done`
// runs or cancel() is called.
Probe* start_tcp_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout, Probe::Done done);

}  // namespace sy::health
