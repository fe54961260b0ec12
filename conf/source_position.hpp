// Where a configuration value came from, for messages about it after loading
// (e.g. a reload diff naming the server that changed).
#pragma once

#include <cstdint>

namespace sy::conf {

struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

}  // namespace sy::conf
