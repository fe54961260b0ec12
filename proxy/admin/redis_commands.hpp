// Admin commands of the Redis front: pause and resume a Redis backend.
// (`show servers` lists Redis roles and replication offsets; `switchover`
// serves both fronts; the metrics are in metrics_families.cpp.)
#pragma once

#include <optional>

#include "proxy/admin/commands.hpp"

namespace sy::admin {

struct Request;

std::optional<Reply> pause_redis_backend(Request& request);
std::optional<Reply> resume_redis_backend(Request& request);

}  // namespace sy::admin
