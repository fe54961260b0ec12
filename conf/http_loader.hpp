// Reading the HTTP front's sections inside [[listener]] ([listener.http],
// [[listener.route]]) and [[backend]] ([backend.http],
// [backend.outlier_ejection]); loader.cpp calls these while it reads each
// listener and backend, and check_route_backends once all are read.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

void read_listener_http(const toml::table& table, const std::string& subject, Listener& listener,
                        Diagnostics& diagnostics);
void read_backend_http(const toml::table& table, const std::string& subject, Backend& backend,
                       Diagnostics& diagnostics);
// Every route names a defined backend.
void check_route_backends(const Config& config, const DefinedNames& backends,
                          const std::vector<const toml::table*>& listener_tables, Diagnostics& diagnostics);

}  // namespace sy::conf
