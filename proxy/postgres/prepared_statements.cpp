// Statement definitions, per-client names, per-server LRU and the message
// rewriting; see prepared_statements.hpp.
#include "proxy/postgres/prepared_statements.hpp"

#include <cstdio>

#include "balancer/consistent_hash.hpp"
#include "pgwire/message.hpp"

namespace sy::postgres {

std::shared_ptr<const StatementDefinition> StatementRegistry::intern(std::string_view body) {
  uint64_t key = balancer::hash_string(body);
  // Probe past a (vanishingly unlikely) collision of different bodies.
  while (true) {
    auto it = definitions_.find(key);
    if (it == definitions_.end()) break;
    if (auto existing = it->second.lock()) {
      if (existing->body == body) return existing;
      ++key;
      continue;
    }
    definitions_.erase(it);
    break;
  }
  auto definition = std::make_shared<StatementDefinition>();
  definition->key = key;
  char name[24];
  std::snprintf(name, sizeof name, "sy_%016llx", static_cast<unsigned long long>(key));
  definition->server_name = name;
  definition->body = std::string(body);
  definitions_[key] = definition;
  // Drop entries whose statements no client holds any more, now and then.
  if (++interned_since_sweep_ >= 1024) {
    interned_since_sweep_ = 0;
    std::erase_if(definitions_, [](const auto& entry) { return entry.second.expired(); });
  }
  return definition;
}

void ClientStatements::bind_name(std::string_view name, std::shared_ptr<const StatementDefinition> definition) {
  by_name_[std::string(name)] = std::move(definition);
}

const StatementDefinition* ClientStatements::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

bool ClientStatements::erase(std::string_view name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return false;
  by_name_.erase(it);
  return true;
}

bool ServerStatements::contains(uint64_t key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  recency_.splice(recency_.begin(), recency_, it->second);
  return true;
}

std::optional<std::string> ServerStatements::add(const StatementDefinition& definition, size_t capacity) {
  if (contains(definition.key)) return std::nullopt;
  recency_.push_front({definition.key, definition.server_name});
  by_key_[definition.key] = recency_.begin();
  if (by_key_.size() <= capacity || recency_.size() <= 1) return std::nullopt;
  Entry evicted = std::move(recency_.back());
  recency_.pop_back();
  by_key_.erase(evicted.key);
  return std::move(evicted.server_name);
}

void ServerStatements::forget(uint64_t key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  recency_.erase(it->second);
  by_key_.erase(it);
}

std::vector<std::pair<uint64_t, std::string>> ServerStatements::entries() const {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (auto it = recency_.rbegin(); it != recency_.rend(); ++it) out.emplace_back(it->key, it->server_name);
  return out;
}

void ServerStatements::restore(const std::vector<std::pair<uint64_t, std::string>>& entries) {
  clear();
  for (const auto& [key, name] : entries) {
    recency_.push_front({key, name});
    by_key_[key] = recency_.begin();
  }
}

void ServerStatements::clear() {
  recency_.clear();
  by_key_.clear();
}

std::string build_parse(std::string_view server_name, std::string_view body) {
  std::string out;
  out.reserve(body.size() + server_name.size() + 6);
  pgwire::MessageBuilder(out, 'P').cstring(server_name).bytes(body);
  return out;
}

std::string rename_bind(std::string_view portal, std::string_view rest_after_statement,
                        std::string_view server_name) {
  std::string out;
  out.reserve(rest_after_statement.size() + portal.size() + server_name.size() + 7);
  pgwire::MessageBuilder(out, 'B').cstring(portal).cstring(server_name).bytes(rest_after_statement);
  return out;
}

std::string build_describe_statement(std::string_view server_name) {
  std::string out;
  pgwire::MessageBuilder(out, 'D').byte('S').cstring(server_name);
  return out;
}

std::string build_close_statement(std::string_view server_name) {
  std::string out;
  pgwire::MessageBuilder(out, 'C').byte('S').cstring(server_name);
  return out;
}

}  // namespace sy::postgres
