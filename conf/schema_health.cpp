// The rows of the active checks beyond a TCP connect (type http and patroni,
// the port checks probe) and of what follows a server's return: slow start.
// The sections themselves are declared in schema_core.cpp.
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

// clang-format off
constexpr KeySpec keys[] = {
    // [[backend]]
    {.section = "backend", .key = "slow_start", .type = T::duration, .default_text = "0", .reloadable = true,
     .field = bound<&Backend::slow_start>,
     .description = "a server that comes back (health up again, or set ready after drain/maint) gets its weight "
                    "ramped up linearly over this window instead of its full share at once; 0 = off"},

    // [backend.health_check], type = "http"
    {.section = "backend.health_check", .key = "method", .type = T::string, .default_text = "GET",
     .reloadable = true, .field = bound<&HealthCheck::method, http_method>,
     .description = "type http: the request method (GET, HEAD, OPTIONS...)"},
    {.section = "backend.health_check", .key = "path", .type = T::string, .default_text = "/", .reloadable = true,
     .field = bound<&HealthCheck::path, request_path>,
     .description = "type http: the request target, from \"/\" (a query string may follow)"},
    {.section = "backend.health_check", .key = "host", .type = T::string, .default_text = "the server's address",
     .derived_default = true,
     .reloadable = true, .field = bound<&HealthCheck::host, host_header>,
     .description = "type http: the Host header sent (by default host:port as probed)"},
    {.section = "backend.health_check", .key = "expect_status", .type = T::string, .default_text = "200-399",
     .reloadable = true, .field = bound<&HealthCheck::expect_status, status_ranges>,
     .description = "type http: the statuses that pass, as statuses and ranges: \"200-299,301\""},
    {.section = "backend.health_check", .key = "expect_body", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&HealthCheck::expect_body>,
     .description = "type http: text the response body must contain within its first 64 KiB; unset = not checked"},
    {.section = "backend.health_check", .key = "port", .type = T::integer, .minimum = 1, .maximum = 65535,
     .default_text = "the server's port", .derived_default = true, .reloadable = true,
     .field = bound<&HealthCheck::port>,
     .description = "the port probed instead of each server's own (a health endpoint, Patroni's REST API: 8008)"},

    // [[backend.server]]
    {.section = "backend.server", .key = "check_port", .type = T::integer, .minimum = 1, .maximum = 65535,
     .default_text = "health_check.port", .derived_default = true, .reloadable = true,
     .field = bound<&Server::check_port>,
     .description = "the port this server's health checks probe, when it differs from the other servers'"},
};
// clang-format on

}  // namespace

SchemaPart health_schema() { return {{}, keys}; }

}  // namespace sy::conf
