// Schema-checked reading of TOML tables; see table_reader.hpp.
#include "conf/table_reader.hpp"

namespace sy::conf {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

SourcePosition position_of(const toml::node& node) { return {node.source().begin.line, node.source().begin.column}; }

SourcePosition value_position(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  return position_of(node ? *node : table);
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "table";
    case toml::node_type::array: return node.as_array()->is_array_of_tables() ? "array of tables" : "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "floating-point number";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
  }
  return "?";
}

std::string expectation(const KeySpec& spec) {
  switch (spec.type) {
    case ValueType::string: return "a string";
    case ValueType::name: return "a name string like \"app1\"";
    case ValueType::integer: return "an integer";
    case ValueType::boolean: return "true or false";
    case ValueType::duration: return "a duration string like \"2s\"";
    case ValueType::size: return "a size like 65536 or \"64KiB\"";
    case ValueType::address: return "an address string like \"127.0.0.1:8080\"";
    case ValueType::string_list: return "an array of strings like [\"a\", \"b\"]";
    case ValueType::enumeration: break;
  }
  std::string words;
  for (std::string_view word : spec.allowed) words += (words.empty() ? "" : ", ") + quoted(word);
  return "one of " + words;
}

std::string allowed_list(const KeySpec& spec) {
  std::string words;
  for (std::string_view word : spec.allowed) words += (words.empty() ? "" : ", ") + std::string(word);
  return words;
}

bool is_valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

void report_unknown_keys(const toml::table& table, std::string_view section, Diagnostics& diagnostics) {
  for (auto&& [key, node] : table) {
    std::string path = section.empty() ? std::string(key.str()) : std::string(section) + "." + std::string(key.str());
    if (find_key(section, key.str()) || find_section(path)) continue;

    auto suggestion = nearest_key(section, key.str());
    SourcePosition at = node.is_table() || node.is_array()
                            ? position_of(node)
                            : SourcePosition{key.source().begin.line, key.source().begin.column};
    std::string message;
    if (!section.empty()) {
      message = "unknown key " + quoted(key.str()) + " in " + section_header(*find_section(section));
      if (suggestion) message += "; did you mean " + quoted(*suggestion) + "?";
    } else if (node.is_table() || node.is_array()) {
      message = "unknown section " + quoted(key.str());
      if (suggestion) message += "; did you mean " + section_header(*find_section(*suggestion)) + "?";
    } else {
      message = "unknown key " + quoted(key.str()) + " at the top level; settings go in a section";
      if (find_key("global", key.str())) message += "; did you mean to put it under [global]?";
    }
    diagnostics.add(at, std::move(message));
  }
}

const toml::table* single_table(const toml::table& parent, std::string_view section, const std::string& prefix,
                                Diagnostics& diagnostics) {
  const SectionSpec* spec = find_section(section);
  assert(spec && !spec->repeated);
  std::string_view key = section.substr(section.rfind('.') + 1);
  const toml::node* node = parent.get(key);
  if (!node) return nullptr;
  if (const toml::table* table = node->as_table()) return table;
  std::string message = prefix + "expected a table " + section_header(*spec) + ", got " + std::string(type_name(*node));
  if (node->is_array_of_tables())
    message += "; write " + section_header(*spec) + ", not [[" + std::string(section) + "]]";
  diagnostics.add(position_of(*node), std::move(message));
  return nullptr;
}

std::vector<const toml::table*> repeated_tables(const toml::table& parent, std::string_view section,
                                                const std::string& prefix, Diagnostics& diagnostics) {
  const SectionSpec* spec = find_section(section);
  assert(spec && spec->repeated);
  std::string_view key = section.substr(section.rfind('.') + 1);
  std::vector<const toml::table*> tables;
  const toml::node* node = parent.get(key);
  if (!node) return tables;
  const toml::array* array = node->as_array();
  if (array && (array->empty() || array->is_array_of_tables())) {
    for (const toml::node& element : *array) tables.push_back(element.as_table());
    return tables;
  }
  std::string message = prefix + "expected " + section_header(*spec) + " tables, got " + std::string(type_name(*node));
  if (node->is_table()) message += "; write " + section_header(*spec) + ", not [" + std::string(section) + "]";
  diagnostics.add(position_of(*node), std::move(message));
  return tables;
}

}  // namespace sy::conf
