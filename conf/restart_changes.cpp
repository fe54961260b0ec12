// What a reload cannot apply; see restart_changes.hpp.
#include "conf/restart_changes.hpp"

#include <cassert>
#include <map>

namespace sy::conf {
namespace {

std::string quoted_name(std::string_view name) { return "\"" + std::string(name) + "\""; }

template <typename Struct>
SectionInstance instance(std::string label, const Struct& target) {
  return {std::move(label), &owner_tag<Struct>, &target};
}

}  // namespace

std::vector<SectionInstance> section_instances(const Config& config, std::string_view section) {
  std::vector<SectionInstance> found;
  if (section == "global") found.push_back(instance("", config.global));
  if (section == "postgres") found.push_back(instance("[postgres]", config.postgres));
  for (const Listener& listener : config.listeners) {
    std::string label = "listener " + quoted_name(listener.name);
    if (section == "listener") found.push_back(instance(label, listener));
    if (section == "listener.http") found.push_back(instance(label + " http", listener.http));
    if (section == "listener.redis") found.push_back(instance(label + " redis", listener.redis));
    if (section == "listener.redis.users")
      for (const RedisUser& user : listener.redis.users)
        found.push_back(instance(label + " redis user " + quoted_name(user.name), user));
    if (section == "listener.route")
      for (const HttpRoute& route : listener.routes) found.push_back(instance(label + " route " + quoted_name(route.name), route));
    if (section == "listener.tls" && listener.tls.enabled) found.push_back(instance(label + " tls", listener.tls));
    if (section == "listener.tls.certificate")
      for (size_t i = 0; i < listener.tls.certificates.size(); ++i)
        found.push_back(instance(label + " tls certificate " + std::to_string(i + 1), listener.tls.certificates[i]));
  }
  for (const Backend& backend : config.backends) {
    std::string label = "backend " + quoted_name(backend.name);
    if (section == "backend") found.push_back(instance(label, backend));
    if (section == "backend.health_check") found.push_back(instance(label + " health_check", backend.health_check));
    if (section == "backend.http") found.push_back(instance(label + " http", backend.http));
    if (section == "backend.redis") found.push_back(instance(label + " redis", backend.redis));
    if (section == "backend.tls" && backend.tls.enabled) found.push_back(instance(label + " tls", backend.tls));
    if (section == "backend.outlier_ejection")
      found.push_back(instance(label + " outlier_ejection", backend.outlier_ejection));
    if (section == "backend.sentinel" && backend.sentinel) found.push_back(instance(label + " sentinel", *backend.sentinel));
    if (section == "backend.server")
      for (const Server& server : backend.servers)
        found.push_back(instance(label + " server " + quoted_name(server.name), server));
  }
  if (section == "database")
    for (const Database& database : config.databases) found.push_back(instance("database " + quoted_name(database.name), database));
  if (section == "user")
    for (const User& user : config.users) found.push_back(instance("user " + quoted_name(user.name), user));
  return found;
}

std::vector<std::string> changes_needing_restart(const Config& current, const Config& next) {
  return changes_needing_restart(current, next, config_keys());
}

std::vector<std::string> changes_needing_restart(const Config& current, const Config& next,
                                                 std::span<const KeySpec> keys) {
  // The rows that need a restart, by section, so each section's tables are
  // looked up once.
  std::map<std::string_view, std::vector<const KeySpec*>> fixed_keys;
  for (const KeySpec& spec : keys)
    if (!spec.reloadable) fixed_keys[spec.section].push_back(&spec);

  std::vector<std::string> messages;
  for (const auto& [section, specs] : fixed_keys) {
    std::map<std::string, const void*> next_by_label;
    for (SectionInstance& table : section_instances(next, section)) next_by_label.emplace(std::move(table.label), table.target);
    for (const SectionInstance& table : section_instances(current, section)) {
      auto counterpart = next_by_label.find(table.label);
      if (counterpart == next_by_label.end()) continue;
      for (const KeySpec* spec : specs) {
        assert(spec->field.owner == table.owner && "the row is bound to a member of the section's struct");
        if (spec->field.same(table.target, counterpart->second)) continue;
        std::string prefix = table.label.empty() ? "" : table.label + ": ";
        messages.push_back(prefix + std::string(spec->key) + " changed: takes effect after a restart");
      }
    }
  }
  return messages;
}

}  // namespace sy::conf
