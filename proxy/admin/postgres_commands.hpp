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
std::optional<Reply> show_clusters(Request& request);
std::optional<Reply> pause_database(Request& request);
std::optional<Reply> resume_database(Request& request);
std::optional<Reply> switchover(Request& request);

}  // namespace sy::admin
