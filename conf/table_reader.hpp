// Reading TOML tables against the schema: the diagnostics list, the one
// generic key reader that fills a section's struct through the rows'
// bindings, and the section-shape helpers. loader.cpp (and any later file
// that reads a section) builds on these.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

// Reads the keys of one table of a known section into the section's struct,
// each through its schema row: type, range and allowed words are checked
// here, the key's own check and the store go through the row's binding, and
// an absent key takes the row's default_text (or is reported if required).
// A value that fails leaves its field untouched; the error names `subject`
// (e.g. listener "web").
class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view section, Diagnostics& diagnostics)
      : table_(table), section_(section), diagnostics_(diagnostics), subject_(section_header(*find_section(section))) {}

  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& subject() const { return subject_; }

  // One key now (typically "name", which the subject of later errors
  // needs); read_keys() then skips it.
  template <typename Target>
  void read_key(std::string_view key, Target& target) {
    read_one(key_spec(key), &owner_tag<Target>, &target);
  }

  // Every key of the section not read yet, in table order.
  template <typename Target>
  void read_keys(Target& target) {
    for (const KeySpec* spec : section_keys(section_))
      if (std::find(done_.begin(), done_.end(), spec) == done_.end()) read_one(*spec, &owner_tag<Target>, &target);
  }

  // An error about the value of `key`, or about the table if it is absent.
  void error_at(std::string_view key, std::string message) {
    diagnostics_.add(value_position(table_, key), subject_ + ": " + message);
  }

 private:
  const KeySpec& key_spec(std::string_view key) const {
    const KeySpec* spec = find_key(section_, key);
    assert(spec && "every key the loader reads has a row in the schema");
    return *spec;
  }

  void read_one(const KeySpec& spec, const void* owner, void* target);

  const toml::table& table_;
  std::string_view section_;
  Diagnostics& diagnostics_;
  std::string subject_;
  std::vector<const KeySpec*> done_;
};

// The value of `node` for the key of `spec` once type, range and allowed
// words are checked; each problem goes to `report` (position, message
// without the subject) and gives nullopt.
using ReportProblem = std::function<void(const toml::node& at, std::string message)>;
std::optional<KeyValue> checked_value(const toml::node& node, const KeySpec& spec, const ReportProblem& report);

// Reports the second and later uses of a name among `items` (read from the
// parallel `tables`), naming the line of the first. Linear: a file may hold
// thousands of listeners or servers.
template <typename Item>
inline void report_duplicate_names(const std::vector<Item>& items, const std::vector<const toml::table*>& tables,
                                   const std::string& prefix, std::string_view what, Diagnostics& diagnostics) {
  std::unordered_map<std::string_view, size_t> first_use;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) continue;
    auto [found, inserted] = first_use.try_emplace(items[i].name, i);
    if (inserted) continue;
    diagnostics.add(value_position(*tables[i], "name"),
                    prefix + "duplicate " + std::string(what) + " name " + quoted(items[i].name) +
                        " (first defined at line " + std::to_string(value_position(*tables[found->second], "name").line) +
                        ")");
  }
}

// The names defined in a repeated section (the backends), for the checks of
// references to them: a lookup per reference, so many listeners, routes and
// databases naming many backends stay linear.
class DefinedNames {
 public:
  template <typename Item>
  explicit DefinedNames(const std::vector<Item>& items) {
    for (const Item& item : items)
      if (!item.name.empty() && names_.insert(item.name).second) in_order_.push_back(item.name);
  }

  bool contains(std::string_view name) const { return names_.contains(name); }
  // The defined name closest to a missing one, as a "did you mean" hint.
  std::optional<std::string> nearest(std::string_view name) const { return nearest_match(name, in_order_); }

 private:
  std::unordered_set<std::string_view> names_;
  std::vector<std::string_view> in_order_;
};

}  // namespace sy::conf
