// Parameter bookkeeping and the SET statements that sync it; see parameters.hpp.
#include "proxy/postgres/parameters.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace sy::postgres {

namespace {

// GUC names are ASCII; no locale is involved.
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string parameter_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = lower(c);
  return key;
}

bool same_parameter_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

void ParameterSet::set(std::string_view name, std::string_view value) {
  signature_valid_ = false;
  std::string key = parameter_key(name);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      items_[i].second.assign(value);
      return;
    }
  }
  items_.emplace_back(std::string(name), std::string(value));
  keys_.push_back(std::move(key));
}

void ParameterSet::erase(std::string_view name) {
  signature_valid_ = false;
  std::string key = parameter_key(name);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

const std::string* ParameterSet::find_key(std::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i].second;
  return nullptr;
}

const std::string* ParameterSet::find(std::string_view name) const { return find_key(parameter_key(name)); }

namespace {

bool is_tracked_key(std::string_view key, const std::vector<std::string>& extra) {
  static constexpr std::string_view kTrackedKeys[] = {
      "client_encoding", "datestyle", "timezone", "intervalstyle", "standard_conforming_strings", "application_name",
  };
  static_assert(std::size(kTrackedKeys) == std::size(kTrackedParameters));
  for (std::string_view tracked : kTrackedKeys)
    if (tracked == key) return true;
  for (const auto& tracked : extra)
    if (same_parameter_name(tracked, key)) return true;
  return false;
}

}  // namespace

bool is_tracked(std::string_view name, const std::vector<std::string>& extra) {
  return is_tracked_key(parameter_key(name), extra);
}

const std::string& ParameterSet::tracked_signature(const std::vector<std::string>& extra) const {
  if (signature_valid_ && signature_extra_ == extra) return signature_;
  std::vector<size_t> tracked;
  for (size_t i = 0; i < keys_.size(); ++i)
    if (is_tracked_key(keys_[i], extra)) tracked.push_back(i);
  std::sort(tracked.begin(), tracked.end(), [&](size_t a, size_t b) { return keys_[a] < keys_[b]; });
  signature_.clear();
  for (size_t i : tracked) {
    signature_ += keys_[i];
    signature_ += '\0';
    signature_ += items_[i].second;
    signature_ += '\0';
  }
  signature_extra_ = extra;
  signature_valid_ = true;
  return signature_;
}

namespace {

void append_quoted_literal(std::string& sql, std::string_view value) {
  sql += '\'';
  for (char c : value) {
    if (c == '\'') sql += '\'';
    sql += c;
  }
  sql += '\'';
}

void append_identifier(std::string& sql, std::string_view name) {
  // Tracked names are plain GUC names; quote anything else defensively.
  bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
  if (plain) {
    sql += name;
    return;
  }
  sql += '"';
  for (char c : name) {
    if (c == '"') sql += '"';
    sql += c;
  }
  sql += '"';
}

}  // namespace

std::string parameter_sync_sql(const ParameterSet& wanted, const ParameterSet& current,
                               const std::vector<std::string>& extra) {
  std::string sql;
  const auto& wanted_keys = wanted.keys();
  for (size_t i = 0; i < wanted_keys.size(); ++i) {
    if (!is_tracked_key(wanted_keys[i], extra)) continue;
    const auto& [name, value] = wanted.items()[i];
    const std::string* now = current.find_key(wanted_keys[i]);
    if (now && *now == value) continue;
    sql += "SET ";
    append_identifier(sql, name);
    sql += " TO ";
    append_quoted_literal(sql, value);
    sql += ';';
  }
  // A configured extra that another client set and this one never did goes
  // back to the server's default.
  if (extra.empty()) return sql;
  for (size_t i = 0; i < current.keys().size(); ++i) {
    const std::string& name = current.items()[i].first;
    bool extra_name = std::any_of(extra.begin(), extra.end(), [&](const std::string& e) { return same_parameter_name(e, name); });
    if (!extra_name || wanted.find_key(current.keys()[i])) continue;
    sql += "RESET ";
    append_identifier(sql, name);
    sql += ';';
  }
  return sql;
}

}  // namespace sy::postgres
