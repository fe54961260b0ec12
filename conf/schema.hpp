// The one table of every configuration section and key: type, default,
// whether a reload applies it, what it means and the field it fills. The
// loader reads every key through it, a reload decides what needs a restart
// from it, and the tests check docs/configuration.md against it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "conf/field_binding.hpp"

namespace sy::conf {

enum class ValueType {
  string,
  name,  // a string of [A-Za-z0-9_.-]+ naming a listener, backend or server
  integer,
  boolean,
  duration,     // "250ms", "1m30s" (see durations.hpp)
  size,         // 512, "64KiB" (see durations.hpp)
  address,      // "host:port", "[v6]:port" (see address.hpp)
  enumeration,  // one word out of KeySpec::allowed
  string_list,  // an array of strings; with `allowed`, each must be one of those words
};

struct SectionSpec {
  std::string_view name;  // dotted path from the root: "global", "backend.server"
  bool repeated;          // an array of tables ([[backend]]) rather than one table ([global])
  std::string_view description;
};

struct KeySpec {
  std::string_view section;  // a SectionSpec::name
  std::string_view key;
  ValueType type;
  // enumeration: the accepted words, in the order of the C++ enum they map
  // to (the loader turns the i-th word into enumerator i).
  std::span<const std::string_view> allowed = {};
  // integer: the value range; duration: the range in milliseconds.
  int64_t minimum = 0;
  int64_t maximum = std::numeric_limits<int64_t>::max();
  bool required = false;
  // The default as an operator would write it, parsed as the key's value
  // by the loader; empty when required, "unset" when absent means no value.
  std::string_view default_text = {};
  // default_text describes a value the section's own code derives from
  // others ("the name", "the server's port"): the field is left unset.
  bool derived_default = false;
  bool reloadable = false;  // a reload applies a change without a restart
  FieldBinding field = {};  // the member this key fills (bound<&Listener::bind>)
  std::string_view description = {};
};

// The default_text of an optional key that has no value when absent.
inline constexpr std::string_view unset_default = "unset";

std::span<const SectionSpec> config_sections();
std::span<const KeySpec> config_keys();

const SectionSpec* find_section(std::string_view name);
const KeySpec* find_key(std::string_view section, std::string_view key);
// The keys of one section, in table order.
std::span<const KeySpec* const> section_keys(std::string_view section);

// The row's default_text read as that key's value would be from a file (in
// table_reader.cpp), or nullopt for required keys, "unset" and derived
// defaults. A default_text the key's own rules reject is a schema bug: it
// gives nullopt and the reason in `problem` when given.
std::optional<KeyValue> default_value(const KeySpec& spec, std::string* problem = nullptr);

// The KeyValue alternative (field_binding.hpp) the generic reader produces
// for a key of this type; a row's FieldBinding::value_kind must equal it.
size_t value_kind_of(ValueType type);

// How the section is written in a file: "[global]", "[[backend.server]]".
std::string section_header(const SectionSpec& section);
std::string_view to_string(ValueType type);

// The known key or sub-section name of `section` ("" for the top level)
// closest to `unknown`, if close enough to be a likely typo.
std::optional<std::string> nearest_key(std::string_view section, std::string_view unknown);
// The candidate closest to `unknown` under the same rule: a case-insensitive
// edit distance of at most max(2, length of unknown / 3).
std::optional<std::string> nearest_match(std::string_view unknown, std::span<const std::string_view> candidates);

}  // namespace sy::conf
