// The configuration table, joined from its parts (schema_core.cpp and one
// schema_<area>.cpp per protocol front), plus lookups and "did you mean"
// hints. Adding a key: one row in its part (with the field it fills) and one
// row in docs/configuration.md (a unit test holds the docs to this table).
#include "conf/schema.hpp"

#include "conf/schema_parts.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

namespace sy::conf {
namespace {

template <typename Row>
std::vector<Row> join(std::span<const Row> (SchemaPart::*member)) {
  std::vector<Row> rows;
  for (const SchemaPart& part : schema_parts())
    rows.insert(rows.end(), (part.*member).begin(), (part.*member).end());
  return rows;
}

const std::vector<SectionSpec>& all_sections() {
  static const std::vector<SectionSpec> rows = join(&SchemaPart::sections);
  return rows;
}

const std::vector<KeySpec>& all_keys() {
  static const std::vector<KeySpec> rows = join(&SchemaPart::keys);
  return rows;
}

// Lookups by name, so reading a file with many sections stays linear.
struct Index {
  std::map<std::string_view, const SectionSpec*, std::less<>> sections;
  std::map<std::string_view, std::vector<const KeySpec*>, std::less<>> keys_by_section;
  std::map<std::pair<std::string_view, std::string_view>, const KeySpec*> keys;

  Index() {
    for (const SectionSpec& section : all_sections()) {
      sections[section.name] = &section;
      keys_by_section[section.name];
    }
    for (const KeySpec& spec : all_keys()) {
      keys_by_section[spec.section].push_back(&spec);
      keys[{spec.section, spec.key}] = &spec;
    }
  }
};

const Index& index() {
  static const Index built;
  return built;
}

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

std::span<const SectionSpec> config_sections() { return all_sections(); }
std::span<const KeySpec> config_keys() { return all_keys(); }

const SectionSpec* find_section(std::string_view name) {
  auto found = index().sections.find(name);
  return found == index().sections.end() ? nullptr : found->second;
}

const KeySpec* find_key(std::string_view section, std::string_view key) {
  auto found = index().keys.find({section, key});
  return found == index().keys.end() ? nullptr : found->second;
}

std::span<const KeySpec* const> section_keys(std::string_view section) {
  auto found = index().keys_by_section.find(section);
  if (found == index().keys_by_section.end()) return {};
  return found->second;
}

size_t value_kind_of(ValueType type) {
  switch (type) {
    case ValueType::string:
    case ValueType::name: return binding_detail::index_in<std::string, KeyValue>::value;
    case ValueType::integer: return binding_detail::index_in<int64_t, KeyValue>::value;
    case ValueType::boolean: return binding_detail::index_in<bool, KeyValue>::value;
    case ValueType::duration: return binding_detail::index_in<std::chrono::milliseconds, KeyValue>::value;
    case ValueType::size: return binding_detail::index_in<ByteCount, KeyValue>::value;
    case ValueType::address: return binding_detail::index_in<Address, KeyValue>::value;
    case ValueType::enumeration: return binding_detail::index_in<WordIndex, KeyValue>::value;
    case ValueType::string_list: return binding_detail::index_in<std::vector<std::string>, KeyValue>::value;
  }
  return std::variant_size_v<KeyValue>;
}

namespace binding_detail {
std::span<const std::string_view> allowed_words(const KeySpec& spec) { return spec.allowed; }
std::string_view key_name(const KeySpec& spec) { return spec.key; }
}  // namespace binding_detail

std::string section_header(const SectionSpec& section) {
  std::string name(section.name);
  return section.repeated ? "[[" + name + "]]" : "[" + name + "]";
}

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::string: return "string";
    case ValueType::name: return "name";
    case ValueType::integer: return "integer";
    case ValueType::boolean: return "boolean";
    case ValueType::duration: return "duration";
    case ValueType::size: return "size";
    case ValueType::address: return "address";
    case ValueType::enumeration: return "enum";
    case ValueType::string_list: return "list";
  }
  return "?";
}

std::optional<std::string> nearest_key(std::string_view section, std::string_view unknown) {
  std::vector<std::string_view> candidates;
  for (const auto& spec : all_keys())
    if (spec.section == section) candidates.push_back(spec.key);
  for (const auto& child : all_sections())
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
