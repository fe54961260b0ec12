// Schema-checked reading of TOML tables; see table_reader.hpp.
#include "conf/table_reader.hpp"

#include <limits>
#include <unordered_map>

namespace sy::conf {
namespace {

std::string show_number(int64_t value) { return std::to_string(value); }

// "must be at least 1", "must be between 0 and 1000".
template <typename Show>
std::string range_rule(const KeySpec& spec, Show show) {
  if (spec.maximum == std::numeric_limits<int64_t>::max()) return "must be at least " + show(spec.minimum);
  return "must be between " + show(spec.minimum) + " and " + show(spec.maximum);
}

std::string wrong_type(const toml::node& node, const KeySpec& spec) {
  return std::string(spec.key) + ": expected " + expectation(spec) + ", got " + std::string(type_name(node));
}

bool is_allowed(const KeySpec& spec, std::string_view word) {
  return std::find(spec.allowed.begin(), spec.allowed.end(), word) != spec.allowed.end();
}

// How default_text is written as a TOML value: numbers, booleans and lists
// as they are, everything else as a string.
std::string default_as_toml(const KeySpec& spec) {
  std::string_view text = spec.default_text;
  bool bare = spec.type == ValueType::integer || spec.type == ValueType::boolean ||
              spec.type == ValueType::string_list ||
              (spec.type == ValueType::size && std::all_of(text.begin(), text.end(), [](char c) {
                 return c >= '0' && c <= '9';
               }));
  if (bare) return std::string(text);
  std::string quoted_text = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted_text += '\\';
    quoted_text += c;
  }
  return quoted_text + "\"";
}

struct ParsedDefault {
  std::optional<KeyValue> value;
  std::string problem;
};

ParsedDefault parse_default(const KeySpec& spec) {
  ParsedDefault parsed;
  if (spec.required || spec.derived_default || spec.default_text == unset_default) return parsed;
  std::string document = "value = " + default_as_toml(spec);
  try {
    toml::table root = toml::parse(document);
    parsed.value = checked_value(*root.get("value"), spec, [&](const toml::node&, std::string message) {
      parsed.problem = std::move(message);
    });
  } catch (const toml::parse_error& error) {
    parsed.problem = "default_text " + quoted(spec.default_text) + " is not a value: " + std::string(error.description());
  }
  return parsed;
}

}  // namespace

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

std::optional<KeyValue> checked_value(const toml::node& node, const KeySpec& spec, const ReportProblem& report) {
  const std::string key(spec.key);
  auto fail = [&](const toml::node& at, std::string message) -> std::optional<KeyValue> {
    report(at, std::move(message));
    return std::nullopt;
  };
  switch (spec.type) {
    case ValueType::string:
    case ValueType::name: {
      const auto* text = node.as_string();
      if (!text) return fail(node, wrong_type(node, spec));
      if (spec.type == ValueType::name && !is_valid_name(text->get()))
        return fail(node, key + " " + quoted(text->get()) +
                              " is not a valid name: use only letters, digits, \"_\", \".\" and \"-\"");
      return KeyValue(text->get());
    }
    case ValueType::integer: {
      const auto* number = node.as_integer();
      if (!number) return fail(node, wrong_type(node, spec));
      int64_t value = number->get();
      if (value < spec.minimum || value > spec.maximum)
        return fail(node, key + " " + range_rule(spec, show_number) + ", got " + std::to_string(value));
      return KeyValue(value);
    }
    case ValueType::boolean: {
      const auto* flag = node.as_boolean();
      if (!flag) return fail(node, wrong_type(node, spec));
      return KeyValue(flag->get());
    }
    case ValueType::duration: {
      const auto* text = node.as_string();
      if (!text) return fail(node, wrong_type(node, spec));
      auto parsed = parse_duration(text->get());
      if (auto* problem = std::get_if<std::string>(&parsed)) return fail(node, key + ": " + *problem);
      Duration value = std::get<Duration>(parsed);
      if (value.count() < spec.minimum || value.count() > spec.maximum) {
        auto show = [](int64_t milliseconds) { return format_duration(Duration(milliseconds)); };
        bool only_positive = spec.minimum == 1 && spec.maximum == std::numeric_limits<int64_t>::max();
        return fail(node, key + " " + (only_positive ? "must be more than 0" : range_rule(spec, show)) + ", got " +
                              quoted(text->get()));
      }
      return KeyValue(value);
    }
    case ValueType::size: {
      std::variant<uint64_t, std::string> parsed;
      if (const auto* number = node.as_integer()) {
        if (number->get() < 0) return fail(node, key + " must not be negative");
        parsed = static_cast<uint64_t>(number->get());
      } else if (const auto* text = node.as_string()) {
        parsed = parse_size(text->get());
      } else {
        return fail(node, wrong_type(node, spec));
      }
      if (auto* problem = std::get_if<std::string>(&parsed)) return fail(node, key + ": " + *problem);
      uint64_t value = std::get<uint64_t>(parsed);
      if (value < static_cast<uint64_t>(spec.minimum) || value > static_cast<uint64_t>(spec.maximum))
        return fail(node, key + " " + range_rule(spec, show_number) + " bytes, got " + std::to_string(value));
      return KeyValue(ByteCount{value});
    }
    case ValueType::address: {
      const auto* text = node.as_string();
      if (!text) return fail(node, wrong_type(node, spec));
      auto parsed = parse_address(text->get());
      if (auto* problem = std::get_if<std::string>(&parsed))
        return fail(node, key + ": invalid address " + quoted(text->get()) + ": " + *problem);
      return KeyValue(std::move(std::get<Address>(parsed)));
    }
    case ValueType::enumeration: {
      const auto* text = node.as_string();
      if (!text) return fail(node, wrong_type(node, spec));
      auto found = std::find(spec.allowed.begin(), spec.allowed.end(), text->get());
      if (found == spec.allowed.end())
        return fail(node, key + " " + quoted(text->get()) + " is not one of: " + allowed_list(spec));
      return KeyValue(WordIndex{static_cast<size_t>(found - spec.allowed.begin())});
    }
    case ValueType::string_list: {
      const auto* array = node.as_array();
      if (!array) return fail(node, wrong_type(node, spec));
      std::vector<std::string> values;
      for (const toml::node& element : *array) {
        const auto* text = element.as_string();
        if (!text) return fail(node, wrong_type(node, spec));
        if (!spec.allowed.empty() && !is_allowed(spec, text->get()))
          return fail(element, key + ": " + quoted(text->get()) + " is not one of: " + allowed_list(spec));
        values.push_back(text->get());
      }
      return KeyValue(std::move(values));
    }
  }
  return std::nullopt;
}

std::optional<KeyValue> default_value(const KeySpec& spec, std::string* problem) {
  // Parsed once: a file with thousands of listeners reads the same defaults.
  static const auto parsed = [] {
    std::unordered_map<const KeySpec*, ParsedDefault> all;
    for (const KeySpec& row : config_keys()) all.emplace(&row, parse_default(row));
    return all;
  }();
  auto found = parsed.find(&spec);
  ParsedDefault result = found != parsed.end() ? found->second : parse_default(spec);
  if (problem) *problem = result.problem;
  return result.value;
}

void TableReader::read_one(const KeySpec& spec, const void* owner, void* target) {
  assert(spec.field && spec.field.owner == owner && "the row is bound to a member of the section's struct");
  assert(spec.field.value_kind == value_kind_of(spec.type) && "the row's binding reads its type's value");
  (void)owner;
  done_.push_back(&spec);
  const toml::node* node = table_.get(spec.key);
  ValueProblems problems{spec, {}};
  if (!node) {
    if (spec.required) return diagnostics_.add(position_of(table_), subject_ + ": missing required key " + quoted(spec.key));
    std::optional<KeyValue> fallback = default_value(spec);
    if (fallback) spec.field.store(std::move(*fallback), target, problems);
    assert(problems.messages.empty() && "a default passes its key's own check");
    return;
  }
  auto report = [&](const toml::node& at, std::string message) {
    diagnostics_.add(position_of(at), subject_ + ": " + message);
  };
  std::optional<KeyValue> value = checked_value(*node, spec, report);
  if (!value) return;
  spec.field.store(std::move(*value), target, problems);
  for (std::string& message : problems.messages) report(*node, std::move(message));
}

}  // namespace sy::conf
