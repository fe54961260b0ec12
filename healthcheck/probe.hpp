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
#include "healthcheck/role_report.hpp"

namespace sy::health {

struct ProbeResult {
  bool ok = false;
  std::string reason;  // "connection refused", "timeout after 1s", "connected in 3ms"
  std::optional<RoleReport> role;  // role-aware checks (postgres, patroni) only
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
