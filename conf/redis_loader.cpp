// Reading the Redis sections; see redis_loader.hpp.
#include "conf/redis_loader.hpp"

namespace sy::conf {

void read_listener_redis(const toml::table& table, const std::string& subject, Listener& listener,
                         Diagnostics& diagnostics) {
  const toml::table* settings = single_table(table, "listener.redis", subject + ": ", diagnostics);
  if (!settings) return;
  TableReader reader(*settings, "listener.redis", diagnostics);
  reader.set_subject(subject + " redis");
  reader.read_keys(listener.redis);
  report_unknown_keys(*settings, "listener.redis", diagnostics);
}

void read_backend_redis(const toml::table& table, const std::string& subject, Backend& backend,
                        Diagnostics& diagnostics) {
  const toml::table* settings = single_table(table, "backend.redis", subject + ": ", diagnostics);
  if (!settings) return;
  TableReader reader(*settings, "backend.redis", diagnostics);
  reader.set_subject(subject + " redis");
  reader.read_keys(backend.redis);
  if (!backend.redis.user.empty() && backend.redis.password.empty())
    reader.error_at("user", "user needs password: the servers are logged in to with AUTH <user> <password>");
  report_unknown_keys(*settings, "backend.redis", diagnostics);
}

}  // namespace sy::conf
