// Names of the server states, for logs, admin output and admin input.
#include "balancer/server_state.hpp"

namespace sy::balancer {

std::string_view to_string(AdminState state) {
  switch (state) {
    case AdminState::ready: return "ready";
    case AdminState::drain: return "drain";
    case AdminState::maint: return "maint";
  }
  return "?";
}

std::string_view to_string(Health health) { return health == Health::up ? "up" : "down"; }

bool parse_admin_state(std::string_view text, AdminState& out) {
  if (text == "ready") out = AdminState::ready;
  else if (text == "drain") out = AdminState::drain;
  else if (text == "maint") out = AdminState::maint;
  else return false;
  return true;
}

}  // namespace sy::balancer
