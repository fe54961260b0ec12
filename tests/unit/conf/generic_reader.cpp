// The one generic key reader, driven by the schema table: every key of every
// section is put into a full file and checked for its type, its range edges
// (each edge accepted, one beyond rejected), its enumeration words and its
// default, which is the row's default_text parsed like a value in a file.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "conf/config.hpp"
#include "conf/durations.hpp"
#include "conf/restart_changes.hpp"
#include "conf/schema.hpp"
#include "full_config.hpp"

using namespace sy::conf;
using namespace sy::conf::testing;

namespace {

bool any_contains(const std::vector<std::string>& messages, const std::string& part) {
  for (const auto& message : messages)
    if (message.find(part) != std::string::npos) return true;
  return false;
}

std::string listing(const std::vector<std::string>& messages) {
  std::string text;
  for (const auto& message : messages) text += "\n  " + message;
  return text;
}

// The keys the tests may add a line for (the full config sets the others).
std::vector<const KeySpec*> injectable_keys(std::initializer_list<ValueType> types) {
  std::vector<const KeySpec*> keys;
  for (const KeySpec& spec : config_keys())
    if (!set_by_full_config(spec) && std::find(types.begin(), types.end(), spec.type) != types.end())
      keys.push_back(&spec);
  return keys;
}

constexpr int64_t no_maximum = std::numeric_limits<int64_t>::max();

}  // namespace

TEST_CASE("generic reader: the full config with one table of every section loads without errors") {
  LoadResult result = load_string(full_config().text, "full.toml");
  std::string all;
  for (const auto& error : result.errors) all += "\n  " + error.to_string();
  REQUIRE_MESSAGE(result.ok(), all);
  std::set<std::string_view> covered;
  for (const auto& section : full_config_sections()) covered.insert(section.section);
  for (const SectionSpec& section : config_sections()) {
    CAPTURE(section.name);
    CHECK(covered.count(section.name) == 1);
    CHECK(section_instances(*result.config, section.name).size() == 1);
  }
}

TEST_CASE("generic reader: integers and sizes accept both range edges and reject one beyond each") {
  auto keys = injectable_keys({ValueType::integer, ValueType::size});
  REQUIRE(keys.size() > 20);
  for (const KeySpec* spec : keys) {
    const std::string key(spec->key);
    const std::string unit = spec->type == ValueType::size ? " bytes" : "";
    const std::string rule = spec->maximum == no_maximum
                                 ? "must be at least " + std::to_string(spec->minimum)
                                 : "must be between " + std::to_string(spec->minimum) + " and " +
                                       std::to_string(spec->maximum);
    CAPTURE(spec->section);
    CAPTURE(key);
    for (int64_t edge : {spec->minimum, spec->maximum}) {
      if (edge == no_maximum) continue;
      auto errors = errors_on_extra_line(full_config(spec->section, key + " = " + std::to_string(edge)));
      CHECK_MESSAGE(!any_contains(errors, key + " must be"), "edge ", edge, " rejected:", listing(errors));
    }
    std::vector<int64_t> beyond = {spec->minimum - 1};
    if (spec->maximum != no_maximum) beyond.push_back(spec->maximum + 1);
    for (int64_t value : beyond) {
      auto errors = errors_on_extra_line(full_config(spec->section, key + " = " + std::to_string(value)));
      CAPTURE(value);
      REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
      if (spec->type == ValueType::size && value < 0)
        CHECK(errors[0].ends_with(": " + key + " must not be negative"));
      else
        CHECK_MESSAGE(errors[0].ends_with(": " + key + " " + rule + unit + ", got " + std::to_string(value)), errors[0]);
    }
  }
}

TEST_CASE("generic reader: durations accept their minimum and reject one millisecond less") {
  auto keys = injectable_keys({ValueType::duration});
  REQUIRE(keys.size() > 20);
  for (const KeySpec* spec : keys) {
    const std::string key(spec->key);
    CAPTURE(spec->section);
    CAPTURE(key);
    auto at_minimum = errors_on_extra_line(
        full_config(spec->section, key + " = \"" + format_duration(Duration(spec->minimum)) + "\""));
    CHECK_MESSAGE(!any_contains(at_minimum, key + " must be"), listing(at_minimum));
    CHECK(spec->maximum == no_maximum);  // no duration has an upper bound yet: the message below assumes it
    if (spec->minimum == 0) continue;    // "-1ms" is no duration at all
    REQUIRE(spec->minimum == 1);
    auto below = errors_on_extra_line(full_config(spec->section, key + " = \"0\""));
    REQUIRE_MESSAGE(below.size() == 1, listing(below));
    CHECK(below[0].ends_with(": " + key + " must be more than 0, got \"0\""));
  }
}

TEST_CASE("generic reader: a value of the wrong type is one error naming the expected type") {
  // A value of another type than each key's.
  auto other_type = [](ValueType type) -> std::pair<std::string, std::string> {
    switch (type) {
      case ValueType::string:
      case ValueType::name:
      case ValueType::duration:
      case ValueType::address:
      case ValueType::enumeration: return {"17", "integer"};
      case ValueType::integer:
      case ValueType::string_list: return {"\"x\"", "string"};
      case ValueType::boolean: return {"\"yes\"", "string"};
      case ValueType::size: return {"true", "boolean"};
    }
    return {};
  };
  size_t checked = 0;
  for (const KeySpec& spec : config_keys()) {
    if (set_by_full_config(spec)) continue;
    const std::string key(spec.key);
    auto [value, got] = other_type(spec.type);
    CAPTURE(spec.section);
    CAPTURE(key);
    auto errors = errors_on_extra_line(full_config(spec.section, key + " = " + value));
    // A rule between keys may object to the key being set at all (hash_name without hash_on).
    std::erase_if(errors, [&](const std::string& message) { return message.find(": expected ") == std::string::npos; });
    REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
    CHECK(errors[0].find(": " + key + ": expected ") != std::string::npos);
    CHECK(errors[0].ends_with(", got " + got));
    ++checked;
  }
  CHECK(checked + 21 == config_keys().size());  // all but the 21 keys the full config sets
}

TEST_CASE("generic reader: every enumeration word is accepted and another word is not") {
  auto keys = injectable_keys({ValueType::enumeration});
  REQUIRE(keys.size() >= 8);
  for (const KeySpec* spec : keys) {
    const std::string key(spec->key);
    CAPTURE(spec->section);
    CAPTURE(key);
    std::string words;
    for (std::string_view word : spec->allowed) {
      words += (words.empty() ? "" : ", ") + std::string(word);
      auto errors = errors_on_extra_line(full_config(spec->section, key + " = \"" + std::string(word) + "\""));
      CHECK_MESSAGE(!any_contains(errors, "is not one of"), listing(errors));
    }
    auto errors = errors_on_extra_line(full_config(spec->section, key + " = \"nope\""));
    REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
    CHECK(errors[0].ends_with(": " + key + " \"nope\" is not one of: " + words));
  }
}

TEST_CASE("generic reader: a misspelt key of any section is reported with the key it resembles") {
  for (const auto& section : full_config_sections()) {
    const KeySpec* first = nullptr;
    for (const KeySpec* spec : section_keys(section.section))
      if (!set_by_full_config(*spec) && spec->key.size() > 4) {
        first = spec;
        break;
      }
    // A section whose every key the file sets ([[listener.tls.certificate]]):
    // a typo of a set key is just as unknown.
    if (!first && !section_keys(section.section).empty()) first = section_keys(section.section).front();
    REQUIRE(first != nullptr);
    std::string typo = std::string(first->key) + "x";
    CAPTURE(typo);
    auto errors = errors_on_extra_line(full_config(section.section, typo + " = 1"));
    REQUIRE_MESSAGE(errors.size() == 1, listing(errors));
    CHECK(errors[0] == "unknown key \"" + typo + "\" in " + std::string(section.header) + "; did you mean \"" +
                           std::string(first->key) + "\"?");
  }
}

TEST_CASE("generic reader: defaults are default_text parsed as a value") {
  auto value = [](std::string_view section, std::string_view key) {
    const KeySpec* spec = find_key(section, key);
    REQUIRE(spec != nullptr);
    std::string problem;
    auto parsed = default_value(*spec, &problem);
    CHECK(problem.empty());
    return parsed;
  };
  CHECK(std::get<std::chrono::milliseconds>(*value("listener", "idle_timeout")) == std::chrono::minutes(5));
  CHECK(std::get<int64_t>(*value("listener", "max_connections")) == 10000);
  CHECK(std::get<bool>(*value("listener.http", "forwarded_headers")) == true);
  CHECK(std::get<ByteCount>(*value("listener.http", "max_header_size")).bytes == 32 * 1024);
  CHECK(std::get<ByteCount>(*value("listener.http", "max_body_size")).bytes == 0);
  CHECK(std::get<WordIndex>(*value("global", "log_level")).index == 1);  // "info"
  CHECK(std::get<std::string>(*value("postgres", "auth_query")) == "SELECT usename, passwd FROM pg_shadow WHERE usename=$1");
  CHECK(std::get<std::vector<std::string>>(*value("database", "auth")) ==
        std::vector<std::string>{"scram-sha-256", "md5"});
  CHECK(std::get<std::vector<std::string>>(*value("listener.route", "hosts")).empty());
  CHECK_FALSE(value("global", "metrics_bind").has_value());    // unset
  CHECK_FALSE(value("database", "dbname").has_value());        // derived: the name
  CHECK_FALSE(value("listener", "name").has_value());          // required
}

TEST_CASE("generic reader: every default_text is a value its key accepts, unless unset, derived or required") {
  for (const KeySpec& spec : config_keys()) {
    CAPTURE(spec.section);
    CAPTURE(spec.key);
    CAPTURE(spec.default_text);
    std::string problem;
    auto parsed = default_value(spec, &problem);
    CHECK_MESSAGE(problem.empty(), problem);
    bool valueless = spec.required || spec.derived_default || spec.default_text == unset_default;
    CHECK(parsed.has_value() == !valueless);
    if (parsed) CHECK(parsed->index() == value_kind_of(spec.type));
  }
}

namespace {

// The initialisers of the section's struct in config.hpp hold what the
// table's default_text says (or the empty value where it has none).
template <typename Struct>
void check_initialisers(std::string_view section, std::set<std::string_view>& covered) {
  covered.insert(section);
  const Struct initialised{};
  for (const KeySpec* spec : section_keys(section)) {
    CAPTURE(spec->section);
    CAPTURE(spec->key);
    REQUIRE(spec->field.owner == &owner_tag<Struct>);
    auto parsed = default_value(*spec);
    if (!parsed) {
      if (!spec->required) CHECK_MESSAGE(spec->field.is_unset(&initialised), "initialised though the table has no default");
      continue;
    }
    Struct from_table{};
    ValueProblems problems{*spec, {}};
    spec->field.store(std::move(*parsed), &from_table, problems);
    CHECK(problems.messages.empty());
    CHECK_MESSAGE(spec->field.same(&initialised, &from_table), "config.hpp initialises it to another value than ",
                  spec->default_text);
  }
}

}  // namespace

TEST_CASE("generic reader: config.hpp initialisers agree with the table's defaults") {
  std::set<std::string_view> covered;
  check_initialisers<Global>("global", covered);
  check_initialisers<Listener>("listener", covered);
  check_initialisers<HttpListener>("listener.http", covered);
  check_initialisers<RedisListener>("listener.redis", covered);
  check_initialisers<RedisUser>("listener.redis.users", covered);
  check_initialisers<HttpRoute>("listener.route", covered);
  check_initialisers<ListenerTls>("listener.tls", covered);
  check_initialisers<TlsCertificate>("listener.tls.certificate", covered);
  check_initialisers<Backend>("backend", covered);
  check_initialisers<HealthCheck>("backend.health_check", covered);
  check_initialisers<HttpBackend>("backend.http", covered);
  check_initialisers<BackendTls>("backend.tls", covered);
  check_initialisers<RedisBackend>("backend.redis", covered);
  check_initialisers<OutlierEjection>("backend.outlier_ejection", covered);
  check_initialisers<SentinelSettings>("backend.sentinel", covered);
  check_initialisers<Server>("backend.server", covered);
  check_initialisers<PostgresGlobal>("postgres", covered);
  check_initialisers<Database>("database", covered);
  check_initialisers<User>("user", covered);
  for (const SectionSpec& section : config_sections()) {
    CAPTURE(section.name);
    CHECK(covered.count(section.name) == 1);
  }
}

TEST_CASE("generic reader: a key absent from the file gets its default in the loaded config") {
  LoadResult result = load_string(full_config().text, "full.toml");
  REQUIRE(result.ok());
  const Config& config = *result.config;
  CHECK(config.listeners[0].max_connections == 10000);
  CHECK(config.listeners[0].idle_timeout == std::chrono::minutes(5));
  CHECK(config.listeners[0].http.max_header_size == 32 * 1024);
  CHECK(config.backends[0].health_check.interval == std::chrono::seconds(2));
  CHECK(config.backends[0].servers[0].weight == 100);
  CHECK(config.databases[0].dbname == "db");  // derived from the name
  CHECK(config.databases[0].auth == std::vector<AuthMethod>{AuthMethod::scram_sha_256, AuthMethod::md5});
  CHECK(config.databases[0].max_replica_lag_bytes == 16u << 20);
  CHECK(config.listeners[0].routes[0].name == "route1");  // derived from the position
  CHECK_FALSE(config.global.metrics_bind.has_value());
}
