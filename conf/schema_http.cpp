// The rows of the HTTP front's sections: [listener.http] and
// [[listener.route]] (what an http listener does with requests), and
// [backend.http] and [backend.outlier_ejection] (server connections).
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"listener.http", false, "HTTP settings of a protocol = \"http\" listener: timeouts, limits, added headers"},
    {"listener.route", true, "a routing rule of an http listener: conditions on the request and the backend"},
    {"backend.http", false, "HTTP server connections of a backend: keep-alive pool, timeouts, retries, stickiness"},
    {"backend.outlier_ejection", false, "taking servers out for a while after consecutive failed requests"},
};

constexpr int64_t kib = 1024;

// clang-format off
constexpr KeySpec keys[] = {
    // [listener.http]
    {.section = "listener.http", .key = "request_timeout", .type = T::duration, .minimum = 1, .default_text = "10s",
     .reloadable = true, .field = bound<&HttpListener::request_timeout>,
     .description = "a request head not complete this long after its first byte gets 408"},
    {.section = "listener.http", .key = "keepalive_timeout", .type = T::duration, .minimum = 1,
     .default_text = "1m", .reloadable = true,
     .field = bound<&HttpListener::keepalive_timeout>,
     .description = "a client connection idle this long between requests is closed"},
    {.section = "listener.http", .key = "max_header_size", .type = T::size, .minimum = kib, .maximum = 1024 * kib,
     .default_text = "32KiB", .reloadable = true,
     .field = bound<&HttpListener::max_header_size>,
     .description = "request line plus headers; a larger request head gets 431"},
    {.section = "listener.http", .key = "max_headers", .type = T::integer, .minimum = 1, .maximum = 10000,
     .default_text = "100", .reloadable = true,
     .field = bound<&HttpListener::max_headers>, .description = "headers in one request; more get 431"},
    {.section = "listener.http", .key = "max_body_size", .type = T::size, .default_text = "0", .reloadable = true,
     .field = bound<&HttpListener::max_body_size>,
     .description = "largest request body; a larger one gets 413; 0 = no limit"},
    {.section = "listener.http", .key = "forwarded_headers", .type = T::boolean, .default_text = "true",
     .reloadable = true, .field = bound<&HttpListener::forwarded_headers>,
     .description = "add X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host"},
    {.section = "listener.http", .key = "trust_forwarded", .type = T::boolean, .default_text = "false",
     .reloadable = true, .field = bound<&HttpListener::trust_forwarded>,
     .description = "keep X-Forwarded-* headers from clients (appending to X-Forwarded-For) instead of replacing them"},
    {.section = "listener.http", .key = "request_id_header", .type = T::string, .default_text = "X-Request-Id",
     .reloadable = true, .field = bound<&HttpListener::request_id_header, header_name_or_empty>,
     .description = "request id header: kept when the client sends one, else generated; \"\" = off"},
    {.section = "listener.http", .key = "health_path", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&HttpListener::health_path, absolute_path>,
     .description = "a path switchyard answers itself (200 ok), before any route: for keepalived and probes"},
    {.section = "listener.http", .key = "access_log", .type = T::boolean, .default_text = "true", .reloadable = true,
     .field = bound<&HttpListener::access_log>, .description = "one log line per request"},

    // [[listener.route]]
    {.section = "listener.route", .key = "name", .type = T::name, .default_text = "routeN", .derived_default = true,
     .reloadable = true,
     .field = bound<&HttpRoute::name>, .description = "name in logs; defaults to route1, route2... by position"},
    {.section = "listener.route", .key = "hosts", .type = T::string_list, .default_text = "[]", .reloadable = true,
     .field = bound<&HttpRoute::hosts, host_patterns>,
     .description = "Host header values that match (exact, or \"*.example.com\" for subdomains); [] = any"},
    {.section = "listener.route", .key = "path_prefix", .type = T::string, .default_text = "unset",
     .reloadable = true,
     .field = bound<&HttpRoute::path_prefix, absolute_path>, .description = "the request path starts with this"},
    {.section = "listener.route", .key = "methods", .type = T::string_list, .default_text = "[]", .reloadable = true,
     .field = bound<&HttpRoute::methods, method_names>, .description = "request methods that match; [] = any"},
    {.section = "listener.route", .key = "headers", .type = T::string_list, .default_text = "[]", .reloadable = true,
     .field = bound<&HttpRoute::headers, header_matches>,
     .description = "\"Name\" (present) or \"Name: value\" (equal) conditions, all of which must hold"},
    {.section = "listener.route", .key = "backend", .type = T::name, .required = true, .reloadable = true,
     .field = bound<&HttpRoute::backend>, .description = "the [[backend]] that serves matching requests"},
    {.section = "listener.route", .key = "strip_prefix", .type = T::boolean, .default_text = "false",
     .reloadable = true,
     .field = bound<&HttpRoute::strip_prefix>, .description = "remove path_prefix from the path sent to the server"},
    {.section = "listener.route", .key = "rewrite_prefix", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&HttpRoute::rewrite_prefix, path_replacement>,
     .description = "replace path_prefix by this in the path sent to the server"},
    {.section = "listener.route", .key = "set_request_headers", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&HttpRoute::set_request_headers, header_settings>,
     .description = "\"Name: value\" headers set on the request (replacing any of that name)"},
    {.section = "listener.route", .key = "remove_request_headers", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&HttpRoute::remove_request_headers, header_names>,
     .description = "header names removed from the request"},
    {.section = "listener.route", .key = "set_response_headers", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&HttpRoute::set_response_headers, header_settings>,
     .description = "\"Name: value\" headers set on the response (replacing any of that name)"},
    {.section = "listener.route", .key = "remove_response_headers", .type = T::string_list, .default_text = "[]",
     .reloadable = true, .field = bound<&HttpRoute::remove_response_headers, header_names>,
     .description = "header names removed from the response"},

    // [backend.http]
    {.section = "backend.http", .key = "max_idle_per_server", .type = T::integer, .maximum = 100000,
     .default_text = "1000", .reloadable = true,
     .field = bound<&HttpBackend::max_idle_per_server>,
     .description = "idle keep-alive connections kept per server and worker; 0 = no reuse"},
    {.section = "backend.http", .key = "keepalive_timeout", .type = T::duration, .minimum = 1, .default_text = "4s",
     .reloadable = true, .field = bound<&HttpBackend::keepalive_timeout>,
     .description = "an idle server connection is closed after this; keep it below the servers' own"},
    {.section = "backend.http", .key = "response_timeout", .type = T::duration, .minimum = 1, .default_text = "1m",
     .reloadable = true, .field = bound<&HttpBackend::response_timeout>,
     .description = "from the request sent to the response head; beyond it the client gets 504"},
    {.section = "backend.http", .key = "idle_timeout", .type = T::duration, .minimum = 1, .default_text = "1m",
     .reloadable = true, .field = bound<&HttpBackend::idle_timeout>,
     .description = "silence from the server while a response body streams; beyond it the exchange is cut"},
    {.section = "backend.http", .key = "retry_idempotent", .type = T::boolean, .default_text = "true",
     .reloadable = true, .field = bound<&HttpBackend::retry_idempotent>,
     .description = "an idempotent request whose server failed before answering is retried once on another server"},
    {.section = "backend.http", .key = "sticky_cookie", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&HttpBackend::sticky_cookie, cookie_name>,
     .description = "cookie switchyard sets to keep a client on its server; unset = no stickiness"},

    // [backend.outlier_ejection]
    {.section = "backend.outlier_ejection", .key = "consecutive_failures", .type = T::integer, .maximum = 1000,
     .default_text = "5", .reloadable = true,
     .field = bound<&OutlierEjection::consecutive_failures>,
     .description = "5xx responses or broken exchanges in a row that eject a server; 0 = off"},
    {.section = "backend.outlier_ejection", .key = "base_ejection_time", .type = T::duration, .minimum = 1,
     .default_text = "10s", .reloadable = true,
     .field = bound<&OutlierEjection::base_ejection_time>,
     .description = "how long the first ejection lasts; each further one in a row lasts twice as long"},
    {.section = "backend.outlier_ejection", .key = "max_ejection_time", .type = T::duration, .minimum = 1,
     .default_text = "5m", .reloadable = true,
     .field = bound<&OutlierEjection::max_ejection_time>, .description = "the longest an ejection lasts"},
    {.section = "backend.outlier_ejection", .key = "max_ejected_percent", .type = T::integer, .maximum = 100,
     .default_text = "50", .reloadable = true,
     .field = bound<&OutlierEjection::max_ejected_percent>,
     .description = "never eject more than this share of the backend's servers at once"},
};
// clang-format on

}  // namespace

SchemaPart http_schema() { return {sections, keys}; }

}  // namespace sy::conf
