// The reload decision read from the table: a change to a key with
// reloadable == false gives one "takes effect after a restart" message, a
// change to any other key none; repeated sections are matched by name.
#include "conf/restart_changes.hpp"

#include <doctest/doctest.h>

#include <set>

#include "full_config.hpp"

using namespace sy::conf;
using namespace sy::conf::testing;

namespace {

std::shared_ptr<const Config> load(const std::string& text) {
  LoadResult result = load_string(text, "reload.toml");
  std::string all;
  for (const auto& error : result.errors) all += "\n  " + error.to_string();
  REQUIRE_MESSAGE(result.ok(), all);
  return result.config;
}

const std::string base = R"([global]
workers = 2
admin_socket = "/tmp/sy-a.sock"
[[listener]]
name = "web"
bind = "127.0.0.1:0"
backend = "app"
[[listener]]
name = "api"
bind = "127.0.0.1:0"
backend = "app"
[[backend]]
name = "app"
[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
[[backend.server]]
name = "a2"
address = "127.0.0.1:9002"
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Values of each type to try in pairs until the key's own check takes both
// and they differ.
std::vector<KeyValue> candidates(const KeySpec& spec) {
  switch (spec.type) {
    case ValueType::string:
    case ValueType::name:
      return {std::string("A"), std::string("B"), std::string("/a"), std::string("/b"), std::string("200"),
              std::string("201")};
    case ValueType::integer: return {spec.minimum, spec.minimum + 1};
    case ValueType::boolean: return {false, true};
    case ValueType::duration:
      return {std::chrono::milliseconds(spec.minimum), std::chrono::milliseconds(spec.minimum + 1)};
    case ValueType::size:
      return {ByteCount{static_cast<uint64_t>(spec.minimum)}, ByteCount{static_cast<uint64_t>(spec.minimum) + 1}};
    case ValueType::address:
      return {std::get<Address>(parse_address("127.0.0.1:1")), std::get<Address>(parse_address("127.0.0.1:2"))};
    case ValueType::enumeration: return {WordIndex{0}, WordIndex{1}};
    case ValueType::string_list: {
      std::vector<KeyValue> lists = {std::vector<std::string>{}, std::vector<std::string>{"A"},
                                     std::vector<std::string>{"A: b"}, std::vector<std::string>{"127.0.0.1:1"},
                                     std::vector<std::string>{"127.0.0.1:2"}};  // lists of addresses
      for (std::string_view word : spec.allowed) lists.push_back(std::vector<std::string>{std::string(word)});
      return lists;
    }
  }
  return {};
}

// `config` with the key's field of the section's first table set to `value`;
// false when the key's own check refuses it.
bool with_value(Config& config, const KeySpec& spec, KeyValue value) {
  auto tables = section_instances(config, spec.section);
  REQUIRE(tables.size() == 1);
  REQUIRE(tables[0].owner == spec.field.owner);
  ValueProblems problems{spec, {}};
  spec.field.store(std::move(value), const_cast<void*>(tables[0].target), problems);
  return problems.messages.empty();
}

}  // namespace

TEST_CASE("restart changes: today's three messages, word for word") {
  auto current = load(base);
  CHECK(changes_needing_restart(*current, *load(base)).empty());
  CHECK(changes_needing_restart(*current, *load(replaced(base, "workers = 2", "workers = 3"))) ==
        std::vector<std::string>{"workers changed: takes effect after a restart"});
  CHECK(changes_needing_restart(*current, *load(replaced(base, "sy-a.sock", "sy-b.sock"))) ==
        std::vector<std::string>{"admin_socket changed: takes effect after a restart"});
  auto with_metrics = replaced(base, "workers = 2", "workers = 2\nmetrics_bind = \"127.0.0.1:9100\"");
  CHECK(changes_needing_restart(*current, *load(with_metrics)) ==
        std::vector<std::string>{"metrics_bind changed: takes effect after a restart"});
  CHECK(changes_needing_restart(*load(with_metrics), *load(replaced(with_metrics, ":9100", ":9101"))) ==
        std::vector<std::string>{"metrics_bind changed: takes effect after a restart"});
  CHECK(changes_needing_restart(*load(with_metrics), *load(with_metrics)).empty());
  // All at once: one message each.
  auto everything = replaced(replaced(with_metrics, "workers = 2", "workers = 4"), "sy-a.sock", "sy-c.sock");
  CHECK(changes_needing_restart(*current, *load(everything)).size() == 3);
}

TEST_CASE("restart changes: workers = 0 and workers = the CPU count run the same threads") {
  auto automatic = load(replaced(base, "workers = 2", "workers = 0"));
  auto counted = load(replaced(base, "workers = 2", "workers = " + std::to_string(automatic->effective_workers())));
  CHECK(changes_needing_restart(*automatic, *counted).empty());
  auto more = load(replaced(base, "workers = 2", "workers = " + std::to_string(automatic->effective_workers() + 1)));
  CHECK(changes_needing_restart(*automatic, *more).size() == 1);
}

TEST_CASE("restart changes: each key of the table, changed alone") {
  auto loaded = load(full_config().text);
  size_t fixed = 0;
  for (const KeySpec& spec : config_keys()) {
    CAPTURE(spec.section);
    CAPTURE(spec.key);
    auto values = candidates(spec);
    Config current = *loaded;
    Config next = *loaded;
    bool changed = false;
    for (size_t a = 0; a < values.size() && !changed; ++a) {
      for (size_t b = 0; b < values.size() && !changed; ++b) {
        if (a == b) continue;
        current = *loaded;
        next = *loaded;
        if (!with_value(current, spec, values[a]) || !with_value(next, spec, values[b])) continue;
        auto tables_now = section_instances(current, spec.section);
        auto tables_next = section_instances(next, spec.section);
        changed = !spec.field.same(tables_now[0].target, tables_next[0].target);
      }
    }
    REQUIRE_MESSAGE(changed, "found no two values of the key that differ");
    auto messages = changes_needing_restart(current, next);
    if (spec.reloadable) {
      CHECK(messages.empty());
      continue;
    }
    ++fixed;
    std::string label = section_instances(current, spec.section)[0].label;
    std::string expected =
        (label.empty() ? "" : label + ": ") + std::string(spec.key) + " changed: takes effect after a restart";
    CHECK(messages == std::vector<std::string>{expected});
  }
  CHECK(fixed == 3);
}

TEST_CASE("restart changes: reloadable is false exactly for what a reload cannot re-apply") {
  // proxy/core/control.cpp try_reload() adopts the whole new Config (workers
  // read every listener, backend and database from the published snapshot;
  // listeners that moved are re-bound; logging is reconfigured; health
  // checks are reconfigured); it cannot change the thread count, the admin
  // socket or the metrics endpoint it opened at start.
  std::set<std::string> fixed;
  for (const KeySpec& spec : config_keys())
    if (!spec.reloadable) fixed.insert(std::string(spec.section) + "." + std::string(spec.key));
  CHECK(fixed == std::set<std::string>{"global.admin_socket", "global.metrics_bind", "global.workers"});
  REQUIRE(find_key("listener", "bind") != nullptr);
  CHECK(find_key("listener", "bind")->reloadable);  // a reload re-binds a moved listener
}

namespace {

// Rows as a table with non-reloadable keys in repeated sections would have them.
constexpr KeySpec repeated_rows[] = {
    {.section = "listener", .key = "protocol", .type = ValueType::enumeration, .default_text = "tcp",
     .field = bound<&Listener::protocol>, .description = "test row"},
    {.section = "backend.server", .key = "weight", .type = ValueType::integer, .default_text = "100",
     .field = bound<&Server::weight>, .description = "test row"},
};

}  // namespace

TEST_CASE("restart changes: repeated sections are compared by name, not by position") {
  auto current = load(base);
  // The listeners and the servers swapped: the same tables, by name.
  std::string swapped = replaced(replaced(base, "name = \"web\"", "name = \"tmp\""), "name = \"api\"", "name = \"web\"");
  swapped = replaced(swapped, "name = \"tmp\"", "name = \"api\"");
  swapped = replaced(replaced(swapped, "9001", "9003"), "9002", "9001");
  swapped = replaced(swapped, "9003", "9002");
  swapped = replaced(replaced(swapped, "name = \"a1\"", "name = \"tmp\""), "name = \"a2\"", "name = \"a1\"");
  swapped = replaced(swapped, "name = \"tmp\"", "name = \"a2\"");
  CHECK(changes_needing_restart(*current, *load(swapped), repeated_rows).empty());

  std::string http_web = replaced(base, "name = \"web\"\nbind = \"127.0.0.1:0\"",
                                  "name = \"web\"\nbind = \"127.0.0.1:0\"\nprotocol = \"http\"");
  CHECK(changes_needing_restart(*current, *load(http_web), repeated_rows) ==
        std::vector<std::string>{"listener \"web\": protocol changed: takes effect after a restart"});

  std::string heavier = replaced(base, "address = \"127.0.0.1:9002\"", "address = \"127.0.0.1:9002\"\nweight = 7");
  CHECK(changes_needing_restart(*current, *load(heavier), repeated_rows) ==
        std::vector<std::string>{"backend \"app\" server \"a2\": weight changed: takes effect after a restart"});

  // A renamed (so new) listener or server is the reload's to add.
  std::string renamed = replaced(replaced(http_web, "name = \"web\"", "name = \"www\""), "name = \"a2\"", "name = \"a3\"");
  renamed = replaced(renamed, "address = \"127.0.0.1:9002\"", "address = \"127.0.0.1:9002\"\nweight = 7");
  CHECK(changes_needing_restart(*current, *load(renamed), repeated_rows).empty());
}
