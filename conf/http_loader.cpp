// Reading and checking the HTTP sections; see http_loader.hpp. Values that
// end up in requests (header names and values, paths, hosts) are checked
// here, so the data path never has to.
#include "conf/http_loader.hpp"

#include <algorithm>
#include <cctype>

namespace sy::conf {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A header value switchyard may write: visible characters, spaces and tabs.
bool is_header_value(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

// "Name: value" into its parts; an error message when it is not of that form.
std::string parse_header_setting(std::string_view text, HeaderSetting& out) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return "expected \"Name: value\", got " + quoted(text);
  std::string_view name = text.substr(0, colon);
  std::string_view value = trim(text.substr(colon + 1));
  if (!is_http_token(name)) return "invalid header name " + quoted(name) + " in " + quoted(text);
  if (!is_header_value(value)) return "invalid characters in the header value of " + quoted(name);
  out = {std::string(name), std::string(value)};
  return {};
}

bool is_host_pattern(std::string_view host) {
  if (host.starts_with("*.")) host.remove_prefix(2);
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

void read_http_settings(const toml::table& table, const std::string& subject, HttpListener& http,
                        Diagnostics& diagnostics) {
  TableReader reader(table, "listener.http", diagnostics);
  reader.set_subject(subject + " http");
  reader.read("request_timeout", http.request_timeout);
  reader.read("keepalive_timeout", http.keepalive_timeout);
  reader.read("max_header_size", http.max_header_size);
  reader.read("max_headers", http.max_headers);
  reader.read("max_body_size", http.max_body_size);
  reader.read("forwarded_headers", http.forwarded_headers);
  reader.read("trust_forwarded", http.trust_forwarded);
  reader.read("request_id_header", http.request_id_header);
  if (!http.request_id_header.empty() && !is_http_token(http.request_id_header))
    reader.error_at("request_id_header", "request_id_header " + quoted(http.request_id_header) +
                                             " is not a valid header name");
  reader.read("health_path", http.health_path);
  if (table.contains("health_path") && !http.health_path.starts_with("/"))
    reader.error_at("health_path", "health_path must start with \"/\", got " + quoted(http.health_path));
  reader.read("access_log", http.access_log);
  report_unknown_keys(table, "listener.http", diagnostics);
}

HttpRoute read_route(const toml::table& table, const std::string& listener_subject, size_t index,
                     Diagnostics& diagnostics) {
  HttpRoute route;
  route.position = position_of(table);
  route.name = "route" + std::to_string(index + 1);
  TableReader reader(table, "listener.route", diagnostics);
  reader.read("name", route.name);
  reader.set_subject(listener_subject + " route " + quoted(route.name));

  std::vector<std::string> words;
  reader.read("hosts", words);
  for (const auto& host : words) {
    if (host.find(':') != std::string::npos)
      reader.error_at("hosts", "host " + quoted(host) + ": hosts match without the port");
    else if (!is_host_pattern(host))
      reader.error_at("hosts", "host " + quoted(host) + " is not a host name or \"*.\" followed by one");
    else
      route.hosts.push_back(lower(host));
  }
  reader.read("path_prefix", route.path_prefix);
  if (table.contains("path_prefix") && !route.path_prefix.starts_with("/"))
    reader.error_at("path_prefix", "path_prefix must start with \"/\", got " + quoted(route.path_prefix));
  words.clear();
  reader.read("methods", words);
  for (const auto& method : words) {
    if (!is_http_token(method))
      reader.error_at("methods", "method " + quoted(method) + " is not a valid method name");
    else if (std::any_of(method.begin(), method.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); }))
      reader.error_at("methods", "method " + quoted(method) + ": methods are case-sensitive and upper case");
    else
      route.methods.push_back(method);
  }
  words.clear();
  reader.read("headers", words);
  for (const auto& condition : words) {
    auto colon = condition.find(':');
    HeaderMatch match;
    match.name = std::string(trim(std::string_view(condition).substr(0, colon)));
    if (colon != std::string::npos) match.value = std::string(trim(std::string_view(condition).substr(colon + 1)));
    if (!is_http_token(match.name))
      reader.error_at("headers", "invalid header name " + quoted(match.name) + " in " + quoted(condition));
    else
      route.headers.push_back(std::move(match));
  }
  reader.read("backend", route.backend);
  reader.read("strip_prefix", route.strip_prefix);
  if (table.contains("rewrite_prefix")) {
    std::string prefix;
    reader.read("rewrite_prefix", prefix);
    if (!prefix.starts_with("/")) reader.error_at("rewrite_prefix", "rewrite_prefix must start with \"/\"");
    route.rewrite_prefix = prefix;
  }
  if (route.strip_prefix && route.rewrite_prefix)
    reader.error_at("rewrite_prefix", "strip_prefix and rewrite_prefix cannot both be set");
  if ((route.strip_prefix || route.rewrite_prefix) && route.path_prefix.empty())
    reader.error_at(route.strip_prefix ? "strip_prefix" : "rewrite_prefix",
                    std::string(route.strip_prefix ? "strip_prefix" : "rewrite_prefix") + " needs path_prefix");

  auto read_settings = [&](std::string_view key, std::vector<HeaderSetting>& out) {
    std::vector<std::string> texts;
    reader.read(key, texts);
    for (const auto& text : texts) {
      HeaderSetting setting;
      if (auto problem = parse_header_setting(text, setting); !problem.empty())
        reader.error_at(key, std::string(key) + ": " + problem);
      else
        out.push_back(std::move(setting));
    }
  };
  auto read_names = [&](std::string_view key, std::vector<std::string>& out) {
    std::vector<std::string> names;
    reader.read(key, names);
    for (const auto& name : names) {
      if (!is_http_token(name)) reader.error_at(key, std::string(key) + ": invalid header name " + quoted(name));
      else out.push_back(name);
    }
  };
  read_settings("set_request_headers", route.set_request_headers);
  read_names("remove_request_headers", route.remove_request_headers);
  read_settings("set_response_headers", route.set_response_headers);
  read_names("remove_response_headers", route.remove_response_headers);
  report_unknown_keys(table, "listener.route", diagnostics);
  return route;
}

void read_outlier_ejection(const toml::table& table, const std::string& subject, OutlierEjection& outlier,
                           Diagnostics& diagnostics) {
  TableReader reader(table, "backend.outlier_ejection", diagnostics);
  reader.set_subject(subject + " outlier_ejection");
  reader.read("consecutive_failures", outlier.consecutive_failures);
  reader.read("base_ejection_time", outlier.base_ejection_time);
  reader.read("max_ejection_time", outlier.max_ejection_time);
  reader.read("max_ejected_percent", outlier.max_ejected_percent);
  if (outlier.max_ejection_time < outlier.base_ejection_time)
    reader.error_at("max_ejection_time", "max_ejection_time " + format_duration(outlier.max_ejection_time) +
                                             " is shorter than base_ejection_time " +
                                             format_duration(outlier.base_ejection_time));
  report_unknown_keys(table, "backend.outlier_ejection", diagnostics);
}

}  // namespace

bool is_http_token(std::string_view text) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || specials.find(c) != std::string_view::npos;
  });
}

void read_listener_http(const toml::table& table, const std::string& subject, Listener& listener,
                        Diagnostics& diagnostics) {
  const bool http = listener.protocol == Protocol::http;
  if (const toml::table* settings = single_table(table, "listener.http", subject + ": ", diagnostics)) {
    if (!http) diagnostics.add(position_of(*settings), subject + ": [listener.http] is only for protocol = \"http\"");
    read_http_settings(*settings, subject, listener.http, diagnostics);
  }
  std::vector<const toml::table*> route_tables = repeated_tables(table, "listener.route", subject + ": ", diagnostics);
  if (!route_tables.empty() && !http)
    diagnostics.add(position_of(*route_tables.front()),
                    subject + ": [[listener.route]] is only for protocol = \"http\"");
  for (size_t i = 0; i < route_tables.size(); ++i)
    listener.routes.push_back(read_route(*route_tables[i], subject, i, diagnostics));
  report_duplicate_names(listener.routes, route_tables, subject + ": ", "route", diagnostics);
  if (http && !table.contains("backend") && listener.routes.empty() && listener.http.health_path.empty())
    diagnostics.add(value_position(table, "name"),
                    subject + ": an http listener needs a backend (its default) or [[listener.route]] rules");
}

void read_backend_http(const toml::table& table, const std::string& subject, Backend& backend,
                       Diagnostics& diagnostics) {
  if (const toml::table* settings = single_table(table, "backend.http", subject + ": ", diagnostics)) {
    TableReader reader(*settings, "backend.http", diagnostics);
    reader.set_subject(subject + " http");
    reader.read("max_idle_per_server", backend.http.max_idle_per_server);
    reader.read("keepalive_timeout", backend.http.keepalive_timeout);
    reader.read("response_timeout", backend.http.response_timeout);
    reader.read("idle_timeout", backend.http.idle_timeout);
    reader.read("retry_idempotent", backend.http.retry_idempotent);
    reader.read("sticky_cookie", backend.http.sticky_cookie);
    if (settings->contains("sticky_cookie") && !is_http_token(backend.http.sticky_cookie))
      reader.error_at("sticky_cookie", "sticky_cookie " + quoted(backend.http.sticky_cookie) +
                                           " is not a valid cookie name");
    report_unknown_keys(*settings, "backend.http", diagnostics);
  }
  if (const toml::table* outlier = single_table(table, "backend.outlier_ejection", subject + ": ", diagnostics))
    read_outlier_ejection(*outlier, subject, backend.outlier_ejection, diagnostics);
}

void check_route_backends(const Config& config, const std::vector<const toml::table*>& listener_tables,
                          Diagnostics& diagnostics) {
  std::vector<std::string_view> names;
  for (const Backend& backend : config.backends)
    if (!backend.name.empty()) names.push_back(backend.name);
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    const toml::array* routes = listener_tables[i]->get_as<toml::array>("route");
    for (size_t r = 0; r < listener.routes.size(); ++r) {
      const HttpRoute& route = listener.routes[r];
      if (route.backend.empty() || config.find_backend(route.backend)) continue;
      std::string message = "listener " + quoted(listener.name) + " route " + quoted(route.name) + ": backend " +
                            quoted(route.backend) + " is not defined";
      if (auto suggestion = nearest_match(route.backend, names)) message += "; did you mean " + quoted(*suggestion) + "?";
      const toml::table* table = routes && r < routes->size() ? (*routes)[r].as_table() : nullptr;
      diagnostics.add(table ? value_position(*table, "backend") : route.position, std::move(message));
    }
  }
}

}  // namespace sy::conf
