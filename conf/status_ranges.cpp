// Parsing and matching of accepted HTTP statuses; see status_ranges.hpp.
#include "conf/status_ranges.hpp"

#include <charconv>

namespace sy::conf {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A three-digit status, 100-599; false otherwise.
bool parse_status(std::string_view text, uint16_t& out) {
  text = trimmed(text);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.size() != 3 || ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < 100 || value > 599) return false;
  out = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

std::variant<std::vector<StatusRange>, std::string> parse_status_ranges(std::string_view text) {
  std::vector<StatusRange> ranges;
  if (trimmed(text).empty()) return std::string("expected statuses such as \"200-299,301\", got an empty string");
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trimmed(text.substr(0, comma));
    auto bad = [&](std::string_view why) {
      return "\"" + std::string(item) + "\" " + std::string(why) + " (expected statuses such as \"200-299,301\")";
    };
    if (item.empty()) return std::string("empty item in the status list (expected statuses such as \"200-299,301\")");
    StatusRange range;
    size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!parse_status(item, range.first)) return bad("is not an HTTP status from 100 to 599");
      range.last = range.first;
    } else {
      if (!parse_status(item.substr(0, dash), range.first) || !parse_status(item.substr(dash + 1), range.last))
        return bad("is not a range of HTTP statuses from 100 to 599");
      if (range.first > range.last) return bad("is a range whose start is above its end");
    }
    ranges.push_back(range);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ranges;
}

bool status_matches(std::span<const StatusRange> ranges, unsigned status) {
  for (const StatusRange& range : ranges)
    if (status >= range.first && status <= range.last) return true;
  return false;
}

std::string format_status_ranges(std::span<const StatusRange> ranges) {
  std::string text;
  for (const StatusRange& range : ranges) {
    if (!text.empty()) text += ',';
    text += std::to_string(range.first);
    if (range.last != range.first) text += "-" + std::to_string(range.last);
  }
  return text;
}

}  // namespace sy::conf
