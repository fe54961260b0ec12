// The two separate facts about a server that decide whether it gets work:
// what the operator said (AdminState) and what the checks saw (Health).
#pragma once

#include <string_view>

namespace sy::balancer {

enum class AdminState {
  ready,  // normal
  drain,  // no new work; in-flight work finishes; checks go on
  maint,  // no work and no checks
};

enum class Health { up, down };

std::string_view to_string(AdminState);
std::string_view to_string(Health);
bool parse_admin_state(std::string_view text, AdminState& out);

}  // namespace sy::balancer
