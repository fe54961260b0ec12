// Text and JSON rendering of admin tables; see table.hpp.
#include "proxy/admin/table.hpp"

#include <algorithm>
#include <cstdio>

namespace sy::admin {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string Table::to_text() const {
  std::vector<size_t> widths(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) widths[i] = columns[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].text.size());
  std::string out;
  auto append_row = [&](auto cell_text, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      std::string_view text = cell_text(i);
      out += text;
      if (i + 1 < count) out.append(widths[i] - text.size() + 2, ' ');
    }
    out += '\n';
  };
  append_row([&](size_t i) { return std::string_view(columns[i]); }, columns.size());
  for (const auto& row : rows) append_row([&](size_t i) { return std::string_view(row[i].text); }, row.size());
  return out;
}

std::string Table::to_json() const {
  std::string out = "[";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += r ? ",{" : "{";
    for (size_t i = 0; i < columns.size() && i < rows[r].size(); ++i) {
      if (i) out += ',';
      append_json_string(out, columns[i]);
      out += ':';
      if (rows[r][i].number) out += rows[r][i].text;
      else append_json_string(out, rows[r][i].text);
    }
    out += '}';
  }
  out += "]\n";
  return out;
}

}  // namespace sy::admin
