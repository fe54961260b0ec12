// Patroni's answer to GET /patroni (JSON: state, role, timeline, xlog
// positions) turned into the RoleReport a PostgreSQL check would give, so a
// Patroni-managed cluster is followed by the same election and routing.
// Pure: the HTTP exchange is patroni_probe.cpp's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "healthcheck/role_report.hpp"

namespace sy::health {

struct PatroniStatus {
  bool usable = false;  // PostgreSQL runs and Patroni reports its role
  // Usable: "replica on timeline 3"; else why not: "PostgreSQL is stopped".
  std::string summary;
  std::optional<RoleReport> role;  // set when usable
};

// `now_epoch_seconds` is the current wall-clock time, to age a replica's last
// replayed transaction (Patroni's replayed_timestamp).
PatroniStatus parse_patroni_status(std::string_view json, double now_epoch_seconds);

// "2024-05-01 12:34:56.123456+00:00" (Python's str(datetime), what Patroni
// writes), also with "T" or "Z": seconds since the epoch, or nullopt.
std::optional<double> parse_patroni_timestamp(std::string_view text);

}  // namespace sy::health
