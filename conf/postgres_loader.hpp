// Reads the PostgreSQL front's sections ([postgres], [[database]], [[user]])
// into the Config and checks what spans them (backends named by databases,
// the auth_user, pool size relations).
#pragma once

#include <toml++/toml.h>

#include "conf/config.hpp"
#include "conf/table_reader.hpp"

namespace sy::conf {

void read_postgres_sections(const toml::table& root, Config& config, Diagnostics& diagnostics);

}  // namespace sy::conf
