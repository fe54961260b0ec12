// Reading the Redis sections of a listener and of a backend.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "conf/config.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

void read_listener_redis(const toml::table& table, const std::string& subject, Listener& listener,
                         Diagnostics& diagnostics);
void read_backend_redis(const toml::table& table, const std::string& subject, Backend& backend,
                        Diagnostics& diagnostics);

}  // namespace sy::conf
