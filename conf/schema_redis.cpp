// The rows of the Redis front's sections: [listener.redis] (what clients of a
// redis listener must send and may hold) and [backend.redis] (how the proxy
// logs in to a backend's Redis servers and shares connections to them).
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"listener.redis", false, "a redis listener's clients: their password and their limits"},
    {"listener.redis.users", true, "one more user a redis listener's clients may log in as, with its password"},
    {"backend.redis", false, "how the proxy uses a backend's Redis servers: login, shared and dedicated connections"},
};

constexpr int64_t kib = 1024;
constexpr std::string_view read_from_words[] = {"master", "prefer_replica", "replica"};

// clang-format off
constexpr KeySpec keys[] = {
    // [listener.redis]
    {.section = "listener.redis", .key = "user", .type = T::string, .default_text = "default", .reloadable = true,
     .field = bound<&RedisListener::user>,
     .description = "the user name clients give in AUTH <user> <password> or HELLO ... AUTH (AUTH <password> alone means this user)"},
    {.section = "listener.redis", .key = "password", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&RedisListener::password>,
     .description = "clients must AUTH with it before other commands; unset = no AUTH needed (like Redis without requirepass)"},
    {.section = "listener.redis", .key = "max_pending", .type = T::integer, .minimum = 1, .maximum = 1 << 20,
     .default_text = "1024", .reloadable = true, .field = bound<&RedisListener::max_pending>,
     .description = "commands one client may have waiting for replies; beyond it the client is not read until replies go out"},
    {.section = "listener.redis", .key = "max_output", .type = T::size, .minimum = 64 * kib,
     .default_text = "64MiB", .reloadable = true, .field = bound<&RedisListener::max_output>,
     .description = "reply bytes queued for a client that does not read; beyond it the client is disconnected "
                    "(like client-output-buffer-limit)"},
    {.section = "listener.redis", .key = "read_from", .type = T::enumeration, .allowed = read_from_words,
     .default_text = "master", .reloadable = true, .field = bound<&RedisListener::read_from>,
     .description = "where read-only commands go: master, prefer_replica (a replica within the lag limits, else "
                    "the master) or replica (only such a replica; none: -ERR)"},
    {.section = "listener.redis", .key = "max_replica_lag", .type = T::duration, .default_text = "10s",
     .reloadable = true, .field = bound<&RedisListener::max_replica_lag>,
     .description = "a replica further behind in time gets no reads; 0 = no limit"},
    {.section = "listener.redis", .key = "max_replica_lag_bytes", .type = T::size, .default_text = "1MiB",
     .reloadable = true, .field = bound<&RedisListener::max_replica_lag_bytes>,
     .description = "a replica further behind the master's replication offset gets no reads; 0 = no limit"},

    // [[listener.redis.users]]
    {.section = "listener.redis.users", .key = "name", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&RedisUser::name>,
     .description = "the user name, given in AUTH <name> <password> or HELLO ... AUTH"},
    {.section = "listener.redis.users", .key = "password", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&RedisUser::password>, .description = "that user's password"},

    // [backend.redis]
    {.section = "backend.redis", .key = "user", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&RedisBackend::user>, .description = "ACL user the proxy logs in to the servers as (AUTH <user> <password>)"},
    {.section = "backend.redis", .key = "password", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&RedisBackend::password>, .description = "password the proxy logs in to the servers with; unset = no AUTH"},
    {.section = "backend.redis", .key = "connections", .type = T::integer, .minimum = 1, .maximum = 64,
     .default_text = "2", .reloadable = true, .field = bound<&RedisBackend::connections>,
     .description = "shared connections per worker (and RESP version) to the master; clients' commands are pipelined onto them"},
    {.section = "backend.redis", .key = "max_dedicated", .type = T::integer, .minimum = 0, .maximum = 1 << 20,
     .default_text = "256", .reloadable = true, .field = bound<&RedisBackend::max_dedicated>,
     .description = "connections per worker held by single clients (MULTI, WATCH, blocking commands, pub/sub, "
                    "CLIENT TRACKING); beyond it such a command gets -ERR"},
    {.section = "backend.redis", .key = "failover_timeout", .type = T::duration, .minimum = 1, .default_text = "5s",
     .reloadable = true, .field = bound<&RedisBackend::failover_timeout>,
     .description = "how long a command waits for a master while none is known (a failover) before it gets -ERR"},
};
// clang-format on

}  // namespace

SchemaPart redis_schema() { return {sections, keys}; }

}  // namespace sy::conf
