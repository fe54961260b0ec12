// Protocol-level prepared statements in transaction and statement mode. A
// client's statement name maps to a definition (query text + parameter
// types) that every server connection knows under one server-side name
// derived from it, so a statement prepared on one server connection can be
// re-prepared on another without the client noticing. Each server keeps a
// bounded LRU of the names it has prepared.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sy::postgres {

struct StatementDefinition {
  uint64_t key = 0;
  std::string server_name;  // "sy_<16 hex>"
  std::string body;         // Parse payload after the name: query, parameter types
};

// The definitions known on one worker, shared by its clients (the same
// query from a hundred clients is stored once).
class StatementRegistry {
 public:
  std::shared_ptr<const StatementDefinition> intern(std::string_view body);

 private:
  std::unordered_map<uint64_t, std::weak_ptr<const StatementDefinition>> definitions_;
  size_t interned_since_sweep_ = 0;
};

class ClientStatements {
 public:
  void bind_name(std::string_view name, std::shared_ptr<const StatementDefinition> definition);
  const StatementDefinition* find(std::string_view name) const;
  bool erase(std::string_view name);
  size_t size() const { return by_name_.size(); }

  // The unnamed statement lives until the client's next Parse of it or its
  // next simple Query; a driver may Parse it in one Sync and Bind it in the
  // next, possibly on another server connection.
  void set_unnamed(std::shared_ptr<const StatementDefinition> definition) { unnamed_ = std::move(definition); }
  const StatementDefinition* unnamed() const { return unnamed_.get(); }

 private:
  std::shared_ptr<const StatementDefinition> unnamed_;
  // Looked up by the name in the client's message, without making a string of it.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, std::shared_ptr<const StatementDefinition>, NameHash, std::equal_to<>> by_name_;
};

class ServerStatements {
 public:
  bool contains(uint64_t key);  // and marks it recently used
  // Records a statement as prepared; returns the key of the one evicted to
  // stay within `capacity` (the caller closes it on the server), if any.
  std::optional<std::string> add(const StatementDefinition& definition, size_t capacity);
  void forget(uint64_t key);
  void clear();
  // Least recently used first, for handing the list to another worker.
  std::vector<std::pair<uint64_t, std::string>> entries() const;
  void restore(const std::vector<std::pair<uint64_t, std::string>>& entries);
  size_t size() const { return by_key_.size(); }

 private:
  struct Entry {
    uint64_t key;
    std::string server_name;
  };
  std::list<Entry> recency_;  // front: most recently used
  std::unordered_map<uint64_t, std::list<Entry>::iterator> by_key_;
};

// Message rewriting. Each returns the whole new message.
std::string build_parse(std::string_view server_name, std::string_view body);
std::string rename_bind(std::string_view portal, std::string_view rest_after_statement,
                        std::string_view server_name);
std::string build_describe_statement(std::string_view server_name);
std::string build_close_statement(std::string_view server_name);

}  // namespace sy::postgres
