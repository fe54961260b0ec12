// Parsing and formatting of the duration and size strings of the
// configuration file; see durations.hpp for the accepted forms.
#include "conf/durations.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace sy::conf {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

// Largest first: a duration must name its units in this order.
constexpr Unit duration_units[] = {{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
constexpr Unit size_units[] = {{"KB", 1'000},       {"MB", 1'000'000},   {"GB", 1'000'000'000},
                               {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}};

constexpr uint64_t max_milliseconds = std::numeric_limits<std::chrono::milliseconds::rep>::max();

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Splits the longest run of characters matching `accept` off the front of `text`.
template <typename Predicate>
std::string_view take_while(std::string_view& text, Predicate accept) {
  size_t length = 0;
  while (length < text.size() && accept(text[length])) ++length;
  std::string_view run = text.substr(0, length);
  text.remove_prefix(length);
  return run;
}

// Parses a run of digits; false if it does not fit in uint64_t.
bool to_number(std::string_view digits, uint64_t& value) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// value * factor + add, or false on overflow past `limit`.
bool accumulate(uint64_t value, uint64_t factor, uint64_t& total, uint64_t limit) {
  if (value != 0 && factor > limit / value) return false;
  uint64_t product = value * factor;
  if (product > limit - total) return false;
  total += product;
  return true;
}

// Errors common to durations and sizes: empty, signed, non-numeric starts.
std::string check_start(std::string_view text, std::string_view what) {
  if (text.empty()) return "empty " + std::string(what);
  if (text.front() == '-') return "negative " + std::string(what) + " " + quoted(text) + " is not allowed";
  if (!is_digit(text.front()))
    return "invalid " + std::string(what) + " " + quoted(text) + ": it must start with a number";
  return {};
}

}  // namespace

std::variant<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  if (auto error = check_start(text, "duration"); !error.empty()) return error;
  if (text == "0") return std::chrono::milliseconds(0);

  const std::string units_hint = " (use ms, s, m or h, like \"250ms\" or \"1m30s\")";
  std::string_view rest = text;
  uint64_t total = 0;
  size_t next_allowed_unit = 0;  // index into duration_units; units only get smaller
  while (!rest.empty()) {
    std::string_view digits = take_while(rest, is_digit);
    if (digits.empty()) return "invalid duration " + quoted(text) + ": expected a number before " + quoted(rest);
    if (!rest.empty() && (rest.front() == '.' || rest.front() == ','))
      return "invalid duration " + quoted(text) + ": use whole numbers, like \"1500ms\" for 1.5s";
    std::string_view suffix = take_while(rest, is_letter);
    if (suffix.empty()) return "missing unit in duration " + quoted(text) + units_hint;

    size_t unit = 0;
    while (unit < std::size(duration_units) && duration_units[unit].suffix != suffix) ++unit;
    if (unit == std::size(duration_units))
      return "unknown unit " + quoted(suffix) + " in duration " + quoted(text) + units_hint;
    if (unit < next_allowed_unit)
      return "invalid duration " + quoted(text) + ": give each unit once, largest first, like \"1m30s\"";
    next_allowed_unit = unit + 1;

    uint64_t value = 0;
    if (!to_number(digits, value) || !accumulate(value, duration_units[unit].factor, total, max_milliseconds))
      return "duration " + quoted(text) + " is too large";
  }
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(total));
}

std::string format_duration(std::chrono::milliseconds duration) {
  if (duration.count() < 0) return "-" + format_duration(-duration);
  if (duration.count() == 0) return "0s";
  auto remaining = static_cast<uint64_t>(duration.count());
  std::string text;
  for (const Unit& unit : duration_units) {
    if (remaining < unit.factor) continue;
    text += std::to_string(remaining / unit.factor);
    text += unit.suffix;
    remaining %= unit.factor;
  }
  return text;
}

std::variant<uint64_t, std::string> parse_size(std::string_view text) {
  if (auto error = check_start(text, "size"); !error.empty()) return error;

  std::string_view rest = text;
  std::string_view digits = take_while(rest, is_digit);
  uint64_t value = 0;
  if (!to_number(digits, value)) return "size " + quoted(text) + " is too large";
  if (rest.empty()) return value;
  if (rest.front() == '.' || rest.front() == ',')
    return "invalid size " + quoted(text) + ": use whole numbers, like \"1536KiB\" for 1.5MiB";

  for (const Unit& unit : size_units) {
    if (unit.suffix != rest) continue;
    uint64_t total = 0;
    if (!accumulate(value, unit.factor, total, std::numeric_limits<uint64_t>::max()))
      return "size " + quoted(text) + " is too large";
    return total;
  }
  return "unknown unit " + quoted(rest) + " in size " + quoted(text) +
         " (use KB, MB, GB for powers of 1000 or KiB, MiB, GiB for powers of 1024)";
}

}  // namespace sy::conf
