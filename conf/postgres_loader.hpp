// Reads the PostgreSQL front's sections ([postgres], [[database]], [[user]])
// into the Config and checks what spans them (backends named by databases,
// the auth_user, pool size relations).
#pragma once

#include <toml++/toml.h>

#include "conf/config.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

// `backends`: the names of config.backends, which databases refer to.
void read_postgres_sections(const toml::table& root, Config& config, const DefinedNames& backends,
                            Diagnostics& diagnostics);

}  // namespace sy::conf
