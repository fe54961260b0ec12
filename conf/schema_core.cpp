// The rows of the core configuration sections: [global], [[listener]],
// [[backend]] and its health check and servers. Protocol fronts keep their
// rows in their own schema_<area>.cpp, joined in schema.cpp.
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"global", false, "process-wide settings: threads, logging, admin socket, metrics"},
    {"listener", true, "an address switchyard accepts clients on, and the backend it sends them to"},
    {"backend", true, "a group of servers and how connections are spread over them"},
    {"backend.health_check", false, "how the servers of a backend are probed"},
    {"backend.server", true, "one server of a backend"},
};

// Enumeration words, in the order of the enums in config.hpp.
constexpr std::string_view log_levels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view log_formats[] = {"text", "json"};
constexpr std::string_view protocols[] = {"tcp", "http", "postgres", "redis"};
constexpr std::string_view balance_algorithms[] = {"round_robin", "least_conn", "random_two", "hash"};
constexpr std::string_view health_check_kinds[] = {"none", "tcp", "postgres", "http", "patroni", "redis"};
constexpr std::string_view hash_sources[] = {"source", "path", "header", "cookie"};
constexpr std::string_view proxy_protocols[] = {"none", "v1", "v2"};
constexpr std::string_view listener_targets[] = {"any", "primary", "replica"};

constexpr int64_t unsigned_max = std::numeric_limits<uint32_t>::max();

// workers = 0 and workers = <the CPU count> run the same number of threads:
// changing one into the other needs no restart.
bool same_worker_count(const unsigned& a, const unsigned& b) { return worker_count(a) == worker_count(b); }

// One key per row, so the table reads as a table.
// clang-format off
constexpr KeySpec keys[] = {
    // [global]
    {.section = "global", .key = "workers", .type = T::integer, .maximum = 1024, .default_text = "0",
     .field = bound<&Global::workers, nullptr, same_worker_count>,
     .description = "worker threads, each with its own event loop and SO_REUSEPORT listeners; 0 = one per CPU"},
    {.section = "global", .key = "log_level", .type = T::enumeration, .allowed = log_levels, .default_text = "info",
     .reloadable = true, .field = bound<&Global::log_level>, .description = "least severe level written to the log"},
    {.section = "global", .key = "log_format", .type = T::enumeration, .allowed = log_formats, .default_text = "text",
     .reloadable = true,
     .field = bound<&Global::log_format>, .description = "log line format: text for people, json for collectors"},
    {.section = "global", .key = "admin_socket", .type = T::string, .default_text = "/run/switchyard/admin.sock",
     .field = bound<&Global::admin_socket, unix_socket_path>,
     .description = "path of the Unix socket for runtime commands (drain, weights, reload, show)"},
    {.section = "global", .key = "shutdown_timeout", .type = T::duration, .default_text = "30s", .reloadable = true,
     .field = bound<&Global::shutdown_timeout>,
     .description = "on shutdown, how long connections in flight may finish before they are closed"},
    {.section = "global", .key = "metrics_bind", .type = T::address, .default_text = "unset",
     .field = bound<&Global::metrics_bind>,
     .description = "address of the Prometheus metrics endpoint; absent = no endpoint"},

    // [[listener]]
    {.section = "listener", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&Listener::name>, .description = "unique name, used in logs, metrics and admin commands"},
    {.section = "listener", .key = "bind", .type = T::address, .required = true, .reloadable = true,
     .field = bound<&Listener::bind>, .description = "address to accept clients on; unique among listeners"},
    {.section = "listener", .key = "protocol", .type = T::enumeration, .allowed = protocols, .default_text = "tcp",
     .reloadable = true, .field = bound<&Listener::protocol>,
     .description = "what the clients speak: tcp (layer 4 relay), http (HTTP/1.1 layer 7), postgres"},
    {.section = "listener", .key = "backend", .type = T::name, .default_text = "unset", .reloadable = true,
     .field = bound<&Listener::backend>,
     .description = "name of the [[backend]] that receives this listener's connections (not for postgres)"},
    {.section = "listener", .key = "max_connections", .type = T::integer, .minimum = 1, .maximum = unsigned_max,
     .default_text = "10000", .reloadable = true,
     .field = bound<&Listener::max_connections>,
     .description = "most client connections open at once on this listener"},
    {.section = "listener", .key = "idle_timeout", .type = T::duration, .minimum = 1, .default_text = "5m",
     .reloadable = true, .field = bound<&Listener::idle_timeout>,
     .description = "a connection with no traffic in either direction for this long is closed"},
    {.section = "listener", .key = "target", .type = T::enumeration, .allowed = listener_targets,
     .default_text = "any", .reloadable = true, .field = bound<&Listener::target>,
     .description = "tcp: with role checks (postgres, patroni, redis), send connections only to the primary or "
                    "to replicas; connections whose server loses the role are closed"},
    {.section = "listener", .key = "accept_proxy", .type = T::boolean, .default_text = "false", .reloadable = true,
     .field = bound<&Listener::accept_proxy>,
     .description = "clients start with a PROXY protocol v1 or v2 header naming the real client (tcp, http)"},

    // [[backend]]
    {.section = "backend", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&Backend::name>, .description = "unique name, referenced by listeners"},
    {.section = "backend", .key = "balance", .type = T::enumeration, .allowed = balance_algorithms,
     .default_text = "round_robin", .reloadable = true,
     .field = bound<&Backend::balance>, .description = "algorithm that picks a server for each connection"},
    {.section = "backend", .key = "connect_timeout", .type = T::duration, .minimum = 1, .default_text = "2s",
     .reloadable = true, .field = bound<&Backend::connect_timeout>,
     .description = "time allowed for connecting to a server before trying another"},
    {.section = "backend", .key = "retries", .type = T::integer, .maximum = 100, .default_text = "2",
     .reloadable = true, .field = bound<&Backend::retries>,
     .description = "further servers tried after a failed connect before the client is refused"},
    {.section = "backend", .key = "hash_on", .type = T::enumeration, .allowed = hash_sources,
     .default_text = "source", .reloadable = true,
     .field = bound<&Backend::hash_on>,
     .description = "balance = hash: what is hashed: client address, request path, a header or a cookie"},
    {.section = "backend", .key = "hash_name", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&Backend::hash_name>, .description = "hash_on = header or cookie: the header or cookie name"},
    {.section = "backend", .key = "send_proxy", .type = T::enumeration, .allowed = proxy_protocols,
     .default_text = "none", .reloadable = true,
     .field = bound<&Backend::send_proxy>,
     .description = "send a PROXY protocol header naming the client to each new server connection"},

    // [backend.health_check]
    {.section = "backend.health_check", .key = "type", .type = T::enumeration, .allowed = health_check_kinds,
     .default_text = "tcp", .reloadable = true,
     .field = bound<&HealthCheck::kind>,
     .description = "probe kind: tcp connects and closes; http sends a request and checks the answer; postgres "
                    "logs in and reads role, timeline and lag; patroni reads them from Patroni's REST API; "
                    "redis sends PING and ROLE (role and offset); none treats every server as up"},
    {.section = "backend.health_check", .key = "interval", .type = T::duration, .minimum = 1, .default_text = "2s",
     .reloadable = true, .field = bound<&HealthCheck::interval>,
     .description = "time between two probes of a server (500ms for types postgres and redis, 1s for type patroni)"},
    {.section = "backend.health_check", .key = "timeout", .type = T::duration, .minimum = 1, .default_text = "1s",
     .reloadable = true, .field = bound<&HealthCheck::timeout>,
     .description = "a probe not answered within this time failed; at most interval (500ms for types postgres "
                    "and redis, 1s for type patroni)"},
    {.section = "backend.health_check", .key = "rise", .type = T::integer, .minimum = 1, .maximum = 100,
     .default_text = "2", .reloadable = true,
     .field = bound<&HealthCheck::rise>, .description = "consecutive passed probes that bring a down server up"},
    {.section = "backend.health_check", .key = "fall", .type = T::integer, .minimum = 1, .maximum = 100,
     .default_text = "3", .reloadable = true,
     .field = bound<&HealthCheck::fall>, .description = "consecutive failed probes that take an up server down"},
    {.section = "backend.health_check", .key = "passive_fall", .type = T::integer, .maximum = 100,
     .default_text = "3", .reloadable = true,
     .field = bound<&HealthCheck::passive_fall>,
     .description = "consecutive failed connects from client traffic that take a server down early; 0 = off"},

    // [[backend.server]]
    {.section = "backend.server", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&Server::name>,
     .description = "unique within its backend; runtime state (drain, weight) follows it across reloads"},
    {.section = "backend.server", .key = "address", .type = T::address, .required = true, .reloadable = true,
     .field = bound<&Server::address>, .description = "where the server listens"},
    {.section = "backend.server", .key = "weight", .type = T::integer, .maximum = 1000, .default_text = "100",
     .reloadable = true, .field = bound<&Server::weight>,
     .description = "share of new connections relative to the other servers; 0 = none"},
    {.section = "backend.server", .key = "backup", .type = T::boolean, .default_text = "false", .reloadable = true,
     .field = bound<&Server::backup>, .description = "used only while no non-backup server of the backend is up"},
};
// clang-format on

}  // namespace

SchemaPart core_schema() { return {sections, keys}; }

}  // namespace sy::conf
