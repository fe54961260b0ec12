// Reading [listener.tls] and its [[listener.tls.certificate]] tables, and
// [backend.tls]; loader.cpp calls these while it reads each listener and backend. Only the shape and
// the rules between keys are checked here: whether the files load is
// decided when the configuration is adopted (proxy/core/tls_contexts.hpp),
// so --check reports it too.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "conf/config.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

void read_listener_tls(const toml::table& table, const std::string& subject, Listener& listener,
                       Diagnostics& diagnostics);
void read_backend_tls(const toml::table& table, const std::string& subject, Backend& backend,
                      Diagnostics& diagnostics);

}  // namespace sy::conf
