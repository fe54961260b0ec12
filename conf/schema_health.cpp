// The rows of the active checks beyond a TCP connect (type http, patroni and
// redis, the port checks probe), of what follows a server's return (slow
// start) and of following Redis Sentinel ([backend.sentinel], a section of
// its own, declared here). The other sections are declared in schema_core.cpp.
#include "conf/schema_parts.hpp"

#include <variant>

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"backend.sentinel", false,
     "a Redis backend whose master and replicas are learned from Redis Sentinel (then [[backend.server]] is "
     "optional)"},
};

// [backend.sentinel] sentinels: "host:port" each, resolved once at load.
void sentinel_addresses(std::vector<std::string> values, std::vector<Address>& out, ValueProblems& problems) {
  if (values.empty()) return problems.add("sentinels must name at least one Sentinel (\"host:port\")");
  std::vector<Address> addresses;
  for (const auto& text : values) {
    auto parsed = parse_address(text);
    if (auto* problem = std::get_if<std::string>(&parsed)) problems.add("sentinel \"" + text + "\": " + *problem);
    else addresses.push_back(std::get<Address>(parsed));
  }
  if (problems.messages.empty()) out = std::move(addresses);
}

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

    // [backend.health_check], type = "redis" also uses user and password
    // (schema_postgres.cpp): AUTH [user] password, when a password is set.

    // [backend.sentinel]
    {.section = "backend.sentinel", .key = "master_name", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&SentinelSettings::master_name, non_empty_text>,
     .description = "the name the Sentinels monitor the master under (sentinel monitor <name> ...)"},
    {.section = "backend.sentinel", .key = "sentinels", .type = T::string_list, .required = true,
     .reloadable = true, .field = bound<&SentinelSettings::sentinels, sentinel_addresses>,
     .description = "Sentinels to ask first, as \"host:port\"; the others they know are asked as well"},
    {.section = "backend.sentinel", .key = "user", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&SentinelSettings::user>,
     .description = "the ACL user to AUTH as on the Sentinels (with password)"},
    {.section = "backend.sentinel", .key = "password", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&SentinelSettings::password>,
     .description = "the Sentinels' password (their requirepass); the servers' is the health check's"},
    {.section = "backend.sentinel", .key = "poll_interval", .type = T::duration, .minimum = 1,
     .default_text = "1s", .reloadable = true, .field = bound<&SentinelSettings::poll_interval>,
     .description = "how often every Sentinel is asked, besides the +switch-master messages it publishes"},
    {.section = "backend.sentinel", .key = "timeout", .type = T::duration, .minimum = 1, .default_text = "500ms",
     .reloadable = true, .field = bound<&SentinelSettings::timeout>,
     .description = "how long a connect or one round of answers from a Sentinel or server may take"},

    // [[backend.server]]
    {.section = "backend.server", .key = "check_port", .type = T::integer, .minimum = 1, .maximum = 65535,
     .default_text = "health_check.port", .derived_default = true, .reloadable = true,
     .field = bound<&Server::check_port>,
     .description = "the port this server's health checks probe, when it differs from the other servers'"},
};
// clang-format on

}  // namespace

SchemaPart health_schema() { return {sections, keys}; }

}  // namespace sy::conf
