// The parts the configuration schema is joined from: the core sections and
// one part per protocol front, each in its own schema_<area>.cpp.
#pragma once

#include <vector>

#include "conf/schema.hpp"

namespace sy::conf {

struct SchemaPart {
  std::span<const SectionSpec> sections;
  std::span<const KeySpec> keys;
};

SchemaPart core_schema();
SchemaPart health_schema();
SchemaPart postgres_schema();
SchemaPart http_schema();
SchemaPart tls_schema();
SchemaPart redis_schema();

// Every part, in the order sections appear in docs/configuration.md.
inline std::vector<SchemaPart> schema_parts() {
  return {core_schema(), health_schema(), tls_schema(), http_schema(), postgres_schema(), redis_schema()};
}

}  // namespace sy::conf
