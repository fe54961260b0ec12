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
  signature_.reset();
  for (auto& [key, current] : items_) {
    if (same_parameter_name(key, name)) {
      current.assign(value);
      return;
    }
  }
  items_.emplace_back(std::string(name), std::string(value));
}

void ParameterSet::erase(std::string_view name) {
  signature_.reset();
  std::erase_if(items_, [&](const auto& item) { return same_parameter_name(item.first, name); });
}

const std::string* ParameterSet::find(std::string_view name) const {
  for (const auto& [key, value] : items_)
    if (same_parameter_name(key, name)) return &value;
  return nullptr;
}

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
  if (signature_ && signature_->extra == extra) return signature_->text;
  std::vector<std::pair<std::string, size_t>> tracked;  // (name in lower case, index)
  for (size_t i = 0; i < items_.size(); ++i) {
    std::string key = parameter_key(items_[i].first);
    if (is_tracked_key(key, extra)) tracked.emplace_back(std::move(key), i);
  }
  std::sort(tracked.begin(), tracked.end());
  auto signature = std::make_shared<Signature>();
  for (const auto& [key, i] : tracked) {
    signature->text += key;
    signature->text += '\0';
    signature->text += items_[i].second;
    signature->text += '\0';
  }
  signature->extra = extra;
  signature_ = std::move(signature);
  return signature_->text;
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
  for (const auto& [name, value] : wanted.items()) {
    if (!is_tracked(name, extra)) continue;
    const std::string* now = current.find(name);
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
  for (const auto& [name, value] : current.items()) {
    bool extra_name = std::any_of(extra.begin(), extra.end(), [&](const std::string& e) { return same_parameter_name(e, name); });
    if (!extra_name || wanted.find(name)) continue;
    sql += "RESET ";
    append_identifier(sql, name);
    sql += ';';
  }
  return sql;
}

}  // namespace sy::postgres
