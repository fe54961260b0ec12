// Reading and checking the HTTP sections; see http_loader.hpp. Each key is
// read through its schema row (the values' own checks are in
// value_checks_http.cpp); the rules between keys are here.
#include "conf/http_loader.hpp"

namespace sy::conf {
namespace {

void read_http_settings(const toml::table& table, const std::string& subject, HttpListener& http,
                        Diagnostics& diagnostics) {
  TableReader reader(table, "listener.http", diagnostics);
  reader.set_subject(subject + " http");
  reader.read_keys(http);
  report_unknown_keys(table, "listener.http", diagnostics);
}

// The rules between a route's keys, once each key is read.
void check_route(const toml::table& table, const HttpRoute& route, TableReader& reader) {
  if (route.strip_prefix && route.rewrite_prefix)
    reader.error_at("rewrite_prefix", "strip_prefix and rewrite_prefix cannot both be set");
  // A path_prefix written but invalid is reported as such, not as missing.
  if ((route.strip_prefix || route.rewrite_prefix) && !table.contains("path_prefix"))
    reader.error_at(route.strip_prefix ? "strip_prefix" : "rewrite_prefix",
                    std::string(route.strip_prefix ? "strip_prefix" : "rewrite_prefix") + " needs path_prefix");
}

HttpRoute read_route(const toml::table& table, const std::string& listener_subject, size_t index,
                     Diagnostics& diagnostics) {
  HttpRoute route;
  route.position = position_of(table);
  route.name = "route" + std::to_string(index + 1);  // the "routeN" default of the schema row
  TableReader reader(table, "listener.route", diagnostics);
  reader.read_key("name", route);
  reader.set_subject(listener_subject + " route " + quoted(route.name));
  reader.read_keys(route);
  check_route(table, route, reader);
  report_unknown_keys(table, "listener.route", diagnostics);
  return route;
}

// The rules between the outlier ejection keys, once each key is read.
void check_outlier_ejection(const OutlierEjection& outlier, TableReader& reader) {
  if (outlier.max_ejection_time < outlier.base_ejection_time)
    reader.error_at("max_ejection_time", "max_ejection_time " + format_duration(outlier.max_ejection_time) +
                                             " is shorter than base_ejection_time " +
                                             format_duration(outlier.base_ejection_time));
}

void read_outlier_ejection(const toml::table& table, const std::string& subject, OutlierEjection& outlier,
                           Diagnostics& diagnostics) {
  TableReader reader(table, "backend.outlier_ejection", diagnostics);
  reader.set_subject(subject + " outlier_ejection");
  reader.read_keys(outlier);
  check_outlier_ejection(outlier, reader);
  report_unknown_keys(table, "backend.outlier_ejection", diagnostics);
}

}  // namespace

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
    reader.read_keys(backend.http);
    report_unknown_keys(*settings, "backend.http", diagnostics);
  }
  if (const toml::table* outlier = single_table(table, "backend.outlier_ejection", subject + ": ", diagnostics))
    read_outlier_ejection(*outlier, subject, backend.outlier_ejection, diagnostics);
}

void check_route_backends(const Config& config, const DefinedNames& backends,
                          const std::vector<const toml::table*>& listener_tables, Diagnostics& diagnostics) {
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    const toml::array* routes = listener_tables[i]->get_as<toml::array>("route");
    for (size_t r = 0; r < listener.routes.size(); ++r) {
      const HttpRoute& route = listener.routes[r];
      if (route.backend.empty() || backends.contains(route.backend)) continue;
      std::string message = "listener " + quoted(listener.name) + " route " + quoted(route.name) + ": backend " +
                            quoted(route.backend) + " is not defined";
      if (auto suggestion = backends.nearest(route.backend)) message += "; did you mean " + quoted(*suggestion) + "?";
      const toml::table* table = routes && r < routes->size() ? (*routes)[r].as_table() : nullptr;
      diagnostics.add(table ? value_position(*table, "backend") : route.position, std::move(message));
    }
  }
}

}  // namespace sy::conf
