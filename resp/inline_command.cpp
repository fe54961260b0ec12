// The inline-command splitter; see inline_command.hpp.
#include "resp/inline_command.hpp"

namespace sy::resp {
namespace {

// isspace() in the C locale, which is the one Redis runs under for this.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

enum class Quoting { none, double_quotes, single_quotes };

}  // namespace

bool split_inline_command(std::string_view line, std::string& text, std::vector<Argument>& arguments) {
  text.clear();
  arguments.clear();
  // Reads past the end as NUL, as the C string Redis splits would.
  auto at = [&](size_t index) -> char { return index < line.size() ? line[index] : '\0'; };
  size_t i = 0;
  while (true) {
    while (at(i) != '\0' && is_blank(at(i))) ++i;
    if (at(i) == '\0') return true;

    size_t start = text.size();
    Quoting quoting = Quoting::none;
    bool done = false;
    while (!done) {
      char c = at(i);
      if (quoting == Quoting::double_quotes) {
        if (c == '\\' && at(i + 1) == 'x' && hex_value(at(i + 2)) >= 0 && hex_value(at(i + 3)) >= 0) {
          text.push_back(char(hex_value(at(i + 2)) * 16 + hex_value(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          text.push_back(unescape(at(i)));
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !is_blank(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated
        } else {
          text.push_back(c);
        }
      } else if (quoting == Quoting::single_quotes) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          text.push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !is_blank(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          text.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0': done = true; break;
          case '"': quoting = Quoting::double_quotes; break;
          case '\'': quoting = Quoting::single_quotes; break;
          default: text.push_back(c); break;
        }
      }
      if (at(i) != '\0') ++i;
    }
    arguments.push_back({start, text.size() - start});
  }
}

}  // namespace sy::resp
