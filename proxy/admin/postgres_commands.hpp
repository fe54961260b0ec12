// Admin commands of the PostgreSQL front: pools, clients and databases,
// gathered from every worker (each owns its clients and server connections).
#pragma once

#include <optional>

#include "proxy/admin/commands.hpp"

namespace sy::admin {

struct Request;

std::optional<Reply> show_pools(Request& request);
std::optional<Reply> show_clients(Request& request);
std::optional<Reply> show_databases(Request& request);

}  // namespace sy::admin
