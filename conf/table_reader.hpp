// Reading TOML tables against the schema: the diagnostics list, the typed
// key reader that checks each value against its schema row, and the
// section-shape helpers. loader.cpp (and any later file that reads a
// section) builds on these.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "conf/durations.hpp"
#include "conf/loader.hpp"
#include "conf/schema.hpp"

namespace sy::conf {

std::string quoted(std::string_view text);
SourcePosition position_of(const toml::node& node);
// Where `key` of `table` is set, or the table header when it is not.
SourcePosition value_position(const toml::table& table, std::string_view key);
std::string_view type_name(const toml::node& node);
// What a value of the given type looks like, for "expected ..., got ..." messages.
std::string expectation(const KeySpec& spec);
std::string allowed_list(const KeySpec& spec);
// Names appear in logs, metrics labels and admin commands: keep them plain.
bool is_valid_name(std::string_view name);

// Every problem of one load, each at a position in the file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void add(SourcePosition at, std::string message) {
    errors_.push_back({file_, at.line, at.column, std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  // In file order, whatever order the checks ran in.
  std::vector<Diagnostic> take() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(errors_);
  }

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
};

// Reports keys of `table` that are neither keys nor sub-sections of
// `section` in the schema ("" is the top level), with the nearest known one.
void report_unknown_keys(const toml::table& table, std::string_view section, Diagnostics& diagnostics);

// The table of a single-table section (e.g. "backend.health_check") inside
// `parent`, or null when absent or not a table (reported, after `prefix`).
const toml::table* single_table(const toml::table& parent, std::string_view section, const std::string& prefix,
                                Diagnostics& diagnostics);

// The tables of a repeated section (e.g. "listener") inside `parent`, in
// file order; empty when absent or not an array of tables (reported).
std::vector<const toml::table*> repeated_tables(const toml::table& parent, std::string_view section,
                                                const std::string& prefix, Diagnostics& diagnostics);

// Reads the keys of one table of a known section, each checked against its
// schema row: type, range, allowed words. A value that fails leaves the
// output at its default; the error names `subject` (e.g. listener "web").
class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view section, Diagnostics& diagnostics)
      : table_(table), section_(section), diagnostics_(diagnostics), subject_(section_header(*find_section(section))) {}

  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& subject() const { return subject_; }

  void read(std::string_view key, std::string& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::string || spec.type == ValueType::name);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* text = node->as_string();
    if (!text) return wrong_type(*node, spec);
    if (spec.type == ValueType::name && !is_valid_name(text->get())) {
      return error(*node, std::string(key) + " " + quoted(text->get()) +
                              " is not a valid name: use only letters, digits, \"_\", \".\" and \"-\"");
    }
    out = text->get();
  }

  void read(std::string_view key, unsigned& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::integer && spec.maximum <= std::numeric_limits<unsigned>::max());
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* number = node->as_integer();
    if (!number) return wrong_type(*node, spec);
    int64_t value = number->get();
    if (value < spec.minimum || value > spec.maximum)
      return error(*node, std::string(key) + " " + range_rule(spec, show_number) + ", got " + std::to_string(value));
    out = static_cast<unsigned>(value);
  }

  void read(std::string_view key, bool& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::boolean);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* flag = node->as_boolean();
    if (!flag) return wrong_type(*node, spec);
    out = flag->get();
  }

  void read(std::string_view key, Duration& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::duration);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* text = node->as_string();
    if (!text) return wrong_type(*node, spec);
    auto parsed = parse_duration(text->get());
    if (auto* problem = std::get_if<std::string>(&parsed)) return error(*node, std::string(key) + ": " + *problem);
    Duration value = std::get<Duration>(parsed);
    if (value.count() < spec.minimum || value.count() > spec.maximum) {
      auto show = [](int64_t milliseconds) { return format_duration(Duration(milliseconds)); };
      bool only_positive = spec.minimum == 1 && spec.maximum == std::numeric_limits<int64_t>::max();
      return error(*node, std::string(key) + " " + (only_positive ? "must be more than 0" : range_rule(spec, show)) +
                              ", got " + quoted(text->get()));
    }
    out = value;
  }

  // A size in bytes: an integer, or a string with a unit ("64KiB").
  void read(std::string_view key, uint64_t& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::size);
    const toml::node* node = present(spec);
    if (!node) return;
    std::variant<uint64_t, std::string> parsed;
    if (const auto* number = node->as_integer()) {
      if (number->get() < 0) return error(*node, std::string(key) + " must not be negative");
      parsed = static_cast<uint64_t>(number->get());
    } else if (const auto* text = node->as_string()) {
      parsed = parse_size(text->get());
    } else {
      return wrong_type(*node, spec);
    }
    if (auto* problem = std::get_if<std::string>(&parsed)) return error(*node, std::string(key) + ": " + *problem);
    uint64_t value = std::get<uint64_t>(parsed);
    if (value < static_cast<uint64_t>(spec.minimum) || value > static_cast<uint64_t>(spec.maximum))
      return error(*node,
                   std::string(key) + " " + range_rule(spec, show_number) + " bytes, got " + std::to_string(value));
    out = value;
  }

  void read(std::string_view key, Address& out) {
    std::optional<Address> address;
    read(key, address);
    if (address) out = std::move(*address);
  }

  void read(std::string_view key, std::optional<Address>& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::address);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* text = node->as_string();
    if (!text) return wrong_type(*node, spec);
    auto parsed = parse_address(text->get());
    if (auto* problem = std::get_if<std::string>(&parsed))
      return error(*node, std::string(key) + ": invalid address " + quoted(text->get()) + ": " + *problem);
    out = std::move(std::get<Address>(parsed));
  }

  // The i-th allowed word of the key's schema row becomes enumerator i.
  template <typename Enum>
  void read_enum(std::string_view key, Enum& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::enumeration);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* text = node->as_string();
    if (!text) return wrong_type(*node, spec);
    auto found = std::find(spec.allowed.begin(), spec.allowed.end(), text->get());
    if (found == spec.allowed.end())
      return error(*node, std::string(key) + " " + quoted(text->get()) + " is not one of: " + allowed_list(spec));
    out = static_cast<Enum>(found - spec.allowed.begin());
  }

  // An array of strings; with allowed words in the schema row, each is checked.
  void read(std::string_view key, std::vector<std::string>& out) {
    const KeySpec& spec = key_spec(key);
    assert(spec.type == ValueType::string_list);
    const toml::node* node = present(spec);
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) return wrong_type(*node, spec);
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      const auto* text = element.as_string();
      if (!text) return wrong_type(*node, spec);
      if (!spec.allowed.empty() && std::find(spec.allowed.begin(), spec.allowed.end(), text->get()) == spec.allowed.end())
        return error(element, std::string(key) + ": " + quoted(text->get()) + " is not one of: " + allowed_list(spec));
      values.push_back(text->get());
    }
    out = std::move(values);
  }

  // A list of allowed words, each turned into its enumerator (see read_enum).
  template <typename Enum>
  void read_enum_list(std::string_view key, std::vector<Enum>& out) {
    std::vector<std::string> words;
    const bool present_before = table_.contains(key);
    read(key, words);
    if (!present_before || words.empty()) {
      if (present_before) error_at(key, std::string(key) + " must not be empty");
      return;
    }
    const KeySpec& spec = key_spec(key);
    std::vector<Enum> values;
    for (const auto& word : words) {
      auto found = std::find(spec.allowed.begin(), spec.allowed.end(), word);
      if (found == spec.allowed.end()) return;  // reported by read()
      values.push_back(static_cast<Enum>(found - spec.allowed.begin()));
    }
    out = std::move(values);
  }

  // An error about the value of `key`, or about the table if it is absent.
  void error_at(std::string_view key, std::string message) {
    diagnostics_.add(value_position(table_, key), subject_ + ": " + message);
  }

 private:
  const KeySpec& key_spec(std::string_view key) const {
    const KeySpec* spec = find_key(section_, key);
    assert(spec && "every key the loader reads has a row in schema.cpp");
    return *spec;
  }

  // The value node, or null when absent (reported if the key is required).
  const toml::node* present(const KeySpec& spec) {
    const toml::node* node = table_.get(spec.key);
    if (!node && spec.required) error(table_, "missing required key " + quoted(spec.key));
    return node;
  }

  void wrong_type(const toml::node& node, const KeySpec& spec) {
    error(node, std::string(spec.key) + ": expected " + expectation(spec) + ", got " + std::string(type_name(node)));
  }

  void error(const toml::node& at, std::string message) {
    diagnostics_.add(position_of(at), subject_ + ": " + message);
  }

  static std::string show_number(int64_t value) { return std::to_string(value); }

  // "must be at least 1", "must be between 0 and 1000".
  template <typename Show>
  static std::string range_rule(const KeySpec& spec, Show show) {
    if (spec.maximum == std::numeric_limits<int64_t>::max()) return "must be at least " + show(spec.minimum);
    return "must be between " + show(spec.minimum) + " and " + show(spec.maximum);
  }

  const toml::table& table_;
  std::string_view section_;
  Diagnostics& diagnostics_;
  std::string subject_;
};

// Reports the second and later uses of a name among `items` (read from the
// parallel `tables`), naming the line of the first.
template <typename Item>
inline void report_duplicate_names(const std::vector<Item>& items, const std::vector<const toml::table*>& tables,
                            const std::string& prefix, std::string_view what, Diagnostics& diagnostics) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) continue;
    for (size_t first = 0; first < i; ++first) {
      if (items[first].name != items[i].name) continue;
      diagnostics.add(value_position(*tables[i], "name"),
                      prefix + "duplicate " + std::string(what) + " name " + quoted(items[i].name) +
                          " (first defined at line " + std::to_string(value_position(*tables[first], "name").line) +
                          ")");
      break;
    }
  }
}

}  // namespace sy::conf
