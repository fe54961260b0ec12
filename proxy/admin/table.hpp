// Admin output: one table value rendered as aligned text columns or as a
// JSON array of objects, so every "show" command gets --json for free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sy::admin {

struct Cell {
  std::string text;
  bool number = false;  // unquoted in JSON

  Cell(std::string t) : text(std::move(t)) {}
  Cell(const char* t) : text(t) {}
  Cell(std::string_view t) : text(t) {}
  Cell(int64_t n) : text(std::to_string(n)), number(true) {}
  Cell(uint64_t n) : text(std::to_string(n)), number(true) {}
  Cell(int n) : text(std::to_string(n)), number(true) {}
  Cell(unsigned n) : text(std::to_string(n)), number(true) {}
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  std::string to_text() const;
  std::string to_json() const;
};

void append_json_string(std::string& out, std::string_view text);

}  // namespace sy::admin
