// The composition root of the data path: which front serves which listener
// protocol, and the PROXY protocol stage in front of them. The one place
// that names every protocol; core only sees the registry.
#pragma once

#include <memory>

#include "proxy/core/front.hpp"

namespace sy {

std::unique_ptr<core::FrontRegistry> make_front_registry();

}  // namespace sy
