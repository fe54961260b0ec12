// The key table itself: lookups, "did you mean" hints, and its agreement
// with the enums of config.hpp that the loader maps its words onto.
#include "conf/schema.hpp"

#include <doctest/doctest.h>

#include <set>

#include "conf/config.hpp"

using namespace sy::conf;

TEST_CASE("schema: every key is in a known section, once, with a description") {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const KeySpec& spec : config_keys()) {
    CAPTURE(spec.section);
    CAPTURE(spec.key);
    CHECK(find_section(spec.section) != nullptr);
    CHECK(seen.insert({spec.section, spec.key}).second);
    CHECK_FALSE(spec.description.empty());
    CHECK(spec.required == spec.default_text.empty());
    CHECK(spec.minimum <= spec.maximum);
    if (spec.type == ValueType::enumeration) CHECK_FALSE(spec.allowed.empty());
    if (!spec.allowed.empty()) CHECK((spec.type == ValueType::enumeration || spec.type == ValueType::string_list));
  }
}

TEST_CASE("schema: sections nest under known parents") {
  for (const SectionSpec& section : config_sections()) {
    auto dot = section.name.rfind('.');
    if (dot != std::string_view::npos) CHECK(find_section(section.name.substr(0, dot)) != nullptr);
  }
  CHECK(section_header(*find_section("global")) == "[global]");
  CHECK(section_header(*find_section("backend.server")) == "[[backend.server]]");
}

TEST_CASE("schema: lookups") {
  REQUIRE(find_key("listener", "idle_timeout") != nullptr);
  CHECK(find_key("listener", "idle_timeout")->type == ValueType::duration);
  CHECK(find_key("listener", "weight") == nullptr);
  CHECK(find_key("nowhere", "name") == nullptr);
  CHECK(find_section("backend.health_check") != nullptr);
  CHECK(find_section("backend.health") == nullptr);
}

// The loader turns the i-th allowed word into enumerator i: the words must
// follow the enum order, and to_string() must give the same word back.
template <typename Enum>
void check_enum_words(std::string_view section, std::string_view key) {
  const KeySpec* spec = find_key(section, key);
  REQUIRE(spec != nullptr);
  for (size_t i = 0; i < spec->allowed.size(); ++i) {
    CAPTURE(spec->allowed[i]);
    CHECK(to_string(static_cast<Enum>(i)) == spec->allowed[i]);
  }
}

TEST_CASE("schema: enum words follow the enums of config.hpp") {
  check_enum_words<LogLevel>("global", "log_level");
  check_enum_words<LogFormat>("global", "log_format");
  check_enum_words<Protocol>("listener", "protocol");
  check_enum_words<BalanceAlgorithm>("backend", "balance");
  check_enum_words<HealthCheckKind>("backend.health_check", "type");
}

TEST_CASE("schema: nearest_key suggests close keys and sub-sections only") {
  CHECK(nearest_key("listener", "bakend") == "backend");
  CHECK(nearest_key("listener", "idle_timout") == "idle_timeout");
  CHECK(nearest_key("listener", "Name") == "name");
  CHECK(nearest_key("backend", "healthcheck") == "health_check");
  CHECK(nearest_key("backend", "servers") == "server");
  CHECK(nearest_key("backend.server", "wieght") == "weight");
  CHECK(nearest_key("", "listeners") == "listener");
  CHECK(nearest_key("", "globl") == "global");
  CHECK(nearest_key("global", "log_levle") == "log_level");
  CHECK_FALSE(nearest_key("listener", "colour").has_value());
  CHECK_FALSE(nearest_key("backend.server", "zzzzzz").has_value());
}

TEST_CASE("schema: nearest_match allows max(2, length / 3) edits") {
  std::vector<std::string_view> names = {"app", "database_primary"};
  CHECK(nearest_match("ap", names) == "app");
  CHECK(nearest_match("xyz", names) == std::nullopt);                     // 3 edits from "app"
  CHECK(nearest_match("database_primray", names) == "database_primary");  // 2 edits
  CHECK(nearest_match("databse_prmary", names) == "database_primary");    // 2 edits, 14/3 = 4 allowed
  CHECK(nearest_match("anything", std::vector<std::string_view>{}) == std::nullopt);
}

TEST_CASE("schema: every row is bound to a field that holds its type's values") {
  for (const KeySpec& spec : config_keys()) {
    CAPTURE(spec.section);
    CAPTURE(spec.key);
    REQUIRE(static_cast<bool>(spec.field));
    CHECK(spec.field.value_kind == value_kind_of(spec.type));
    // The generic reader range-checks integers against the row before it
    // narrows them into the field.
    if (spec.type == ValueType::integer) CHECK(spec.maximum <= spec.field.field_maximum);
    CHECK(static_cast<bool>(spec.field.same));
    CHECK(static_cast<bool>(spec.field.is_unset));
  }
  CHECK(section_keys("listener").size() == 8);
  CHECK(section_keys("listener")[0]->key == "name");
  CHECK(section_keys("nowhere").empty());
}
