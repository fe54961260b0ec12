// The configuration table itself, plus lookups and "did you mean" hints.
// Adding a key: one row here, one read in loader.cpp, one row in
// docs/configuration.md (a unit test holds the docs to this table).
#include "conf/schema.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"global", false, "process-wide settings: threads, logging, admin socket, metrics"},
    {"listener", true, "an address switchyard accepts clients on, and the backend it sends them to"},
    {"backend", true, "a group of servers and how connections are spread over them"},
    {"backend.health_check", false, "how the servers of a backend are probed"},
    {"backend.server", true, "one server of a backend"},
};

// Enumeration words, in the order of the enums in config.hpp.
constexpr std::string_view log_levels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view log_formats[] = {"text", "json"};
constexpr std::string_view protocols[] = {"tcp", "http", "postgres", "redis"};
constexpr std::string_view balance_algorithms[] = {"round_robin", "least_conn", "random_two", "hash"};
constexpr std::string_view health_check_kinds[] = {"none", "tcp"};

constexpr int64_t unsigned_max = std::numeric_limits<uint32_t>::max();

// One key per row, so the table reads as a table.
// clang-format off
constexpr KeySpec keys[] = {
    // [global]
    {.section = "global", .key = "workers", .type = T::integer, .maximum = 1024, .default_text = "0",
     .description = "worker threads, each with its own event loop and SO_REUSEPORT listeners; 0 = one per CPU"},
    {.section = "global", .key = "log_level", .type = T::enumeration, .allowed = log_levels, .default_text = "info",
     .reloadable = true, .description = "least severe level written to the log"},
    {.section = "global", .key = "log_format", .type = T::enumeration, .allowed = log_formats, .default_text = "text",
     .reloadable = true, .description = "log line format: text for people, json for collectors"},
    {.section = "global", .key = "admin_socket", .type = T::string, .default_text = "/run/switchyard/admin.sock",
     .description = "path of the Unix socket for runtime commands (drain, weights, reload, show)"},
    {.section = "global", .key = "shutdown_timeout", .type = T::duration, .default_text = "30s", .reloadable = true,
     .description = "on shutdown, how long connections in flight may finish before they are closed"},
    {.section = "global", .key = "metrics_bind", .type = T::address, .default_text = "unset",
     .description = "address of the Prometheus metrics endpoint; absent = no endpoint"},

    // [[listener]]
    {.section = "listener", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .description = "unique name, used in logs, metrics and admin commands"},
    {.section = "listener", .key = "bind", .type = T::address, .required = true, .reloadable = true,
     .description = "address to accept clients on; unique among listeners"},
    {.section = "listener", .key = "protocol", .type = T::enumeration, .allowed = protocols, .default_text = "tcp",
     .reloadable = true,
     .description = "what the clients speak; only tcp (layer 4 relay) is implemented today"},
    {.section = "listener", .key = "backend", .type = T::name, .required = true, .reloadable = true,
     .description = "name of the [[backend]] that receives this listener's connections"},
    {.section = "listener", .key = "max_connections", .type = T::integer, .minimum = 1, .maximum = unsigned_max,
     .default_text = "10000", .reloadable = true,
     .description = "most client connections open at once on this listener"},
    {.section = "listener", .key = "idle_timeout", .type = T::duration, .minimum = 1, .default_text = "5m",
     .reloadable = true, .description = "a connection with no traffic in either direction for this long is closed"},

    // [[backend]]
    {.section = "backend", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .description = "unique name, referenced by listeners"},
    {.section = "backend", .key = "balance", .type = T::enumeration, .allowed = balance_algorithms,
     .default_text = "round_robin", .reloadable = true,
     .description = "algorithm that picks a server for each connection"},
    {.section = "backend", .key = "connect_timeout", .type = T::duration, .minimum = 1, .default_text = "2s",
     .reloadable = true, .description = "time allowed for connecting to a server before trying another"},
    {.section = "backend", .key = "retries", .type = T::integer, .maximum = 100, .default_text = "2", .reloadable = true,
     .description = "further servers tried after a failed connect before the client is refused"},

    // [backend.health_check]
    {.section = "backend.health_check", .key = "type", .type = T::enumeration, .allowed = health_check_kinds,
     .default_text = "tcp", .reloadable = true,
     .description = "probe kind: tcp connects and closes; none treats every server as up"},
    {.section = "backend.health_check", .key = "interval", .type = T::duration, .minimum = 1, .default_text = "2s",
     .reloadable = true, .description = "time between two probes of a server"},
    {.section = "backend.health_check", .key = "timeout", .type = T::duration, .minimum = 1, .default_text = "1s",
     .reloadable = true, .description = "a probe not answered within this time failed; at most interval"},
    {.section = "backend.health_check", .key = "rise", .type = T::integer, .minimum = 1, .maximum = 100,
     .default_text = "2", .reloadable = true, .description = "consecutive passed probes that bring a down server up"},
    {.section = "backend.health_check", .key = "fall", .type = T::integer, .minimum = 1, .maximum = 100,
     .default_text = "3", .reloadable = true, .description = "consecutive failed probes that take an up server down"},
    {.section = "backend.health_check", .key = "passive_fall", .type = T::integer, .maximum = 100,
     .default_text = "3", .reloadable = true,
     .description = "consecutive failed connects from client traffic that take a server down early; 0 = off"},

    // [[backend.server]]
    {.section = "backend.server", .key = "name", .type = T::name, .required = true, .reloadable = true,
     .description = "unique within its backend; runtime state (drain, weight) follows it across reloads"},
    {.section = "backend.server", .key = "address", .type = T::address, .required = true, .reloadable = true,
     .description = "where the server listens"},
    {.section = "backend.server", .key = "weight", .type = T::integer, .maximum = 1000, .default_text = "100",
     .reloadable = true, .description = "share of new connections relative to the other servers; 0 = none"},
    {.section = "backend.server", .key = "backup", .type = T::boolean, .default_text = "false", .reloadable = true,
     .description = "used only while no non-backup server of the backend is up"},
};
// clang-format on

// Case-insensitive Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// "backend.server" is a child of "backend"; "global" is a child of "".
bool is_child_section(std::string_view parent, std::string_view name) {
  if (parent.empty()) return name.find('.') == std::string_view::npos;
  return name.size() > parent.size() + 1 && name.starts_with(parent) && name[parent.size()] == '.' &&
         name.find('.', parent.size() + 1) == std::string_view::npos;
}

}  // namespace

std::span<const SectionSpec> config_sections() { return sections; }
std::span<const KeySpec> config_keys() { return keys; }

const SectionSpec* find_section(std::string_view name) {
  for (const auto& section : sections)
    if (section.name == name) return &section;
  return nullptr;
}

const KeySpec* find_key(std::string_view section, std::string_view key) {
  for (const auto& spec : keys)
    if (spec.section == section && spec.key == key) return &spec;
  return nullptr;
}

std::string section_header(const SectionSpec& section) {
  std::string name(section.name);
  return section.repeated ? "[[" + name + "]]" : "[" + name + "]";
}

std::string_view to_string(ValueType type) {
  switch (type) {
    case T::string: return "string";
    case T::name: return "name";
    case T::integer: return "integer";
    case T::boolean: return "boolean";
    case T::duration: return "duration";
    case T::size: return "size";
    case T::address: return "address";
    case T::enumeration: return "enum";
  }
  return "?";
}

std::optional<std::string> nearest_key(std::string_view section, std::string_view unknown) {
  std::vector<std::string_view> candidates;
  for (const auto& spec : keys)
    if (spec.section == section) candidates.push_back(spec.key);
  for (const auto& child : sections)
    if (is_child_section(section, child.name))
      candidates.push_back(child.name.substr(section.empty() ? 0 : section.size() + 1));
  return nearest_match(unknown, candidates);
}

std::optional<std::string> nearest_match(std::string_view unknown, std::span<const std::string_view> candidates) {
  const size_t limit = std::max<size_t>(2, unknown.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    size_t distance = edit_distance(unknown, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace sy::conf
