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
  for (const toml::table* user_table :
       repeated_tables(*settings, "listener.redis.users", reader.subject() + ": ", diagnostics)) {
    RedisUser user;
    TableReader user_reader(*user_table, "listener.redis.users", diagnostics);
    user_reader.set_subject(reader.subject() + " user");
    user_reader.read_keys(user);
    report_unknown_keys(*user_table, "listener.redis.users", diagnostics);
    bool taken = user.name == listener.redis.user;
    for (const RedisUser& other : listener.redis.users) taken |= other.name == user.name;
    if (taken) user_reader.error_at("name", "user \"" + user.name + "\" is defined twice on this listener");
    else if (user.password.empty()) user_reader.error_at("password", "a user needs a password");
    else listener.redis.users.push_back(std::move(user));
  }
  if (!listener.redis.users.empty() && listener.redis.password.empty())
    reader.error_at("password", "[[listener.redis.users]] needs password here too: without it every client is in "
                                "as the default user, without AUTH");
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
