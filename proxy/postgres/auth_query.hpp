// Looks up an unknown user's password on the server itself, as PgBouncer's
// auth_query does: log in as auth_user, run the query with the user name as
// $1 (extended protocol, so no quoting games), read (name, password), close.
// One connection per lookup; the caller gets the stored password or nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "proxy/core/worker.hpp"
#include "proxy/postgres/server_connection.hpp"

namespace sy::postgres {

// `done` runs on the worker's loop: the password (md5 hash, SCRAM verifier or
// plain) when the query returned a row with a non-null one, nullopt when the
// user has none or the lookup failed (logged).
void run_auth_query(core::Worker& worker, core::ServerPick server, ServerLogin login, std::string query,
                    std::string user, std::function<void(std::optional<std::string>)> done);

}  // namespace sy::postgres
