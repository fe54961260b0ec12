// The Redis check (type = "redis"): connects, logs in when the check has a
// password (AUTH [user] password), then PING and ROLE, pipelined in one round
// trip, all within the check's timeout. It passes when PING answers PONG and
// ROLE says master or replica; the role and offset go to the control thread
// like a PostgreSQL check's (RoleReport), so Redis backends route by role.
#pragma once

#include <uv.h>

#include "conf/config.hpp"
#include "healthcheck/probe.hpp"

namespace sy::health {

Probe* start_redis_probe(uv_loop_t* loop, const conf::Address& address, const conf::HealthCheck& settings,
                         Probe::Done done);

}  // namespace sy::health
