// The rows of the PostgreSQL front's sections: [postgres], [[database]] and
// [[user]]. Words of enumerations follow the enums in postgres_config.hpp.
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"postgres", false, "settings of the PostgreSQL front shared by every database: auth file, auth_query, limits"},
    {"database", true, "a database clients can connect to, the backend that serves it, and its pool settings"},
    {"user", true, "a user clients can log in as, with its password or verifier"},
};

constexpr std::string_view pool_modes[] = {"session", "transaction", "statement"};
constexpr std::string_view auth_methods[] = {"trust", "password", "md5", "scram-sha-256"};
constexpr std::string_view targets[] = {"primary", "replica", "prefer_replica", "any"};

constexpr int64_t unsigned_max = std::numeric_limits<uint32_t>::max();

// clang-format off
constexpr KeySpec keys[] = {
    // [postgres]
    {.section = "postgres", .key = "auth_file", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&PostgresGlobal::auth_file>,
     .description = "PgBouncer-style userlist file, one \"user\" \"password\" line each, for users not in [[user]]"},
    {.section = "postgres", .key = "auth_user", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&PostgresGlobal::auth_user>,
     .description = "user (listed in [[user]]) that runs auth_query on the server to look up unknown users"},
    {.section = "postgres", .key = "auth_query", .type = T::string,
     .default_text = "SELECT usename, passwd FROM pg_shadow WHERE usename=$1", .reloadable = true,
     .field = bound<&PostgresGlobal::auth_query>,
     .description = "query returning (name, password hash) for the user in $1"},
    {.section = "postgres", .key = "max_client_conn", .type = T::integer, .minimum = 1, .maximum = unsigned_max,
     .default_text = "10000", .reloadable = true,
     .field = bound<&PostgresGlobal::max_client_conn>,
     .description = "PostgreSQL clients over all listeners; beyond it new clients get 53300"},
    {.section = "postgres", .key = "track_parameters", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&PostgresGlobal::track_parameters>,
     .description = "startup parameters re-applied on every server link, beyond the built-in ones"},
    {.section = "postgres", .key = "read_only_functions", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&PostgresGlobal::read_only_functions>,
     .description = "functions split_reads may send to a replica, beyond the built-in read-only ones"},
    {.section = "postgres", .key = "ignore_startup_parameters", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&PostgresGlobal::ignore_startup_parameters>,
     .description = "startup parameters dropped instead of refused (\"options\" that cannot be applied)"},
    {.section = "postgres", .key = "max_client_prepared_statements", .type = T::integer, .minimum = 1,
     .maximum = unsigned_max, .default_text = "10000", .reloadable = true,
     .field = bound<&PostgresGlobal::max_client_prepared_statements>,
     .description = "named prepared statements per client in transaction/statement mode; beyond it Parse gets 53400"},

    // [backend.health_check], type = "postgres"
    {.section = "backend.health_check", .key = "user", .type = T::string, .default_text = "postgres",
     .reloadable = true, .field = bound<&HealthCheck::user>,
     .description = "type postgres: the user the checker logs in as (any user may run the checks)"},
    {.section = "backend.health_check", .key = "password", .type = T::string, .default_text = "unset",
     .reloadable = true,
     .field = bound<&HealthCheck::password>, .description = "type postgres: that user's password (plain)"},
    {.section = "backend.health_check", .key = "dbname", .type = T::string, .default_text = "postgres",
     .reloadable = true,
     .field = bound<&HealthCheck::dbname>, .description = "type postgres: the database the checker connects to"},

    // [[database]]
    {.section = "database", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&Database::name>, .description = "the database name clients connect to"},
    {.section = "database", .key = "backend", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&Database::backend>, .description = "the [[backend]] whose servers serve this database"},
    {.section = "database", .key = "dbname", .type = T::string, .default_text = "the name", .derived_default = true,
     .reloadable = true, .field = bound<&Database::dbname>, .description = "the database name on the servers"},
    {.section = "database", .key = "auth", .type = T::string_list, .allowed = auth_methods,
     .default_text = "[\"scram-sha-256\", \"md5\"]", .reloadable = true,
     .field = bound<&Database::auth>, .description = "client authentication methods allowed, in order of preference"},
    {.section = "database", .key = "pool_mode", .type = T::enumeration, .allowed = pool_modes,
     .default_text = "session", .reloadable = true,
     .field = bound<&Database::pool_mode>,
     .description = "when a server connection goes back to the pool: session end, transaction end, statement end"},
    {.section = "database", .key = "pool_size", .type = T::integer, .minimum = 1, .maximum = 100000,
     .default_text = "20", .reloadable = true,
     .field = bound<&Database::pool_size>,
     .description = "server connections per (database, user) pool, over all workers"},
    {.section = "database", .key = "min_pool_size", .type = T::integer, .maximum = 100000, .default_text = "0",
     .reloadable = true,
     .field = bound<&Database::min_pool_size>, .description = "server connections kept open even when idle"},
    {.section = "database", .key = "reserve_pool", .type = T::integer, .maximum = 100000, .default_text = "0",
     .reloadable = true, .field = bound<&Database::reserve_pool>,
     .description = "extra server connections allowed once a client has waited reserve_pool_timeout"},
    {.section = "database", .key = "reserve_pool_timeout", .type = T::duration, .minimum = 1, .default_text = "5s",
     .reloadable = true, .field = bound<&Database::reserve_pool_timeout>,
     .description = "how long a client waits before the reserve pool may be used"},
    {.section = "database", .key = "max_db_connections", .type = T::integer, .maximum = 100000, .default_text = "0",
     .reloadable = true, .field = bound<&Database::max_db_connections>,
     .description = "server connections of all pools of this database; 0 = no limit"},
    {.section = "database", .key = "max_client_conn", .type = T::integer, .maximum = unsigned_max,
     .default_text = "0", .reloadable = true,
     .field = bound<&Database::max_client_conn>, .description = "clients of this database; 0 = no limit"},
    {.section = "database", .key = "server_lifetime", .type = T::duration, .minimum = 1, .default_text = "1h",
     .reloadable = true, .field = bound<&Database::server_lifetime>,
     .description = "a server connection older than this is closed when it next becomes idle"},
    {.section = "database", .key = "server_idle_timeout", .type = T::duration, .minimum = 1, .default_text = "10m",
     .reloadable = true, .field = bound<&Database::server_idle_timeout>,
     .description = "an idle server connection beyond min_pool_size is closed after this"},
    {.section = "database", .key = "query_wait_timeout", .type = T::duration, .minimum = 1, .default_text = "2m",
     .reloadable = true, .field = bound<&Database::query_wait_timeout>,
     .description = "longest a client waits for a server connection before it gets an error"},
    {.section = "database", .key = "idle_transaction_timeout", .type = T::duration, .default_text = "0",
     .reloadable = true, .field = bound<&Database::idle_transaction_timeout>,
     .description = "a client idle inside a transaction this long is disconnected; 0 = off"},
    {.section = "database", .key = "query_timeout", .type = T::duration, .default_text = "0", .reloadable = true,
     .field = bound<&Database::query_timeout>, .description = "a query running longer is cancelled (57014); 0 = off"},
    {.section = "database", .key = "server_reset_query", .type = T::string, .default_text = "DISCARD ALL",
     .reloadable = true, .field = bound<&Database::server_reset_query>,
     .description = "run on a server connection when a session-mode client leaves it"},
    {.section = "database", .key = "max_prepared_statements", .type = T::integer, .maximum = 100000,
     .default_text = "200", .reloadable = true,
     .field = bound<&Database::max_prepared_statements>,
     .description = "protocol-level prepared statements cached per server connection (transaction/statement mode)"},
    {.section = "database", .key = "server_user", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&Database::server_user>,
     .description = "log in to the servers as this user instead of the client's"},
    {.section = "database", .key = "server_password", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&Database::server_password>,
     .description = "password of server_user (or of the client's user when server_user is unset)"},
    {.section = "database", .key = "target", .type = T::enumeration, .allowed = targets, .default_text = "primary",
     .reloadable = true, .field = bound<&Database::target>,
     .description = "which servers serve it (role-checked backends): primary, replica, prefer_replica, any"},
    {.section = "database", .key = "max_replica_lag", .type = T::duration, .default_text = "10s", .reloadable = true,
     .field = bound<&Database::max_replica_lag>,
     .description = "a replica further behind (replay delay) gets no reads; 0 = no limit"},
    {.section = "database", .key = "max_replica_lag_bytes", .type = T::size, .default_text = "16MiB",
     .reloadable = true, .field = bound<&Database::max_replica_lag_bytes>,
     .description = "a replica further behind (WAL bytes) gets no reads; 0 = no limit"},
    {.section = "database", .key = "failover_timeout", .type = T::duration, .minimum = 1, .default_text = "30s",
     .reloadable = true, .field = bound<&Database::failover_timeout>,
     .description = "clients that need a primary while none is known wait this long"},
    {.section = "database", .key = "split_reads", .type = T::boolean, .default_text = "false", .reloadable = true,
     .field = bound<&Database::split_reads>,
     .description = "transaction mode: read-only transactions and provably read-only SELECTs go to replicas"},
    {.section = "database", .key = "read_your_writes", .type = T::duration, .default_text = "0", .reloadable = true,
     .field = bound<&Database::read_your_writes>,
     .description = "with split_reads: after a client writes, its reads stay on the primary this long; 0 = off"},

    // [[user]]
    {.section = "user", .key = "name", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&User::name, non_empty_text>, .description = "the user name clients log in with"},
    {.section = "user", .key = "password", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&User::password, stored_password>,
     .description = "plain text, \"md5...\" or a \"SCRAM-SHA-256$...\" verifier; unset allows only trust"},
};
// clang-format on

}  // namespace

SchemaPart postgres_schema() { return {sections, keys}; }

}  // namespace sy::conf
