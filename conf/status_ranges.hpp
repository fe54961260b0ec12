// The HTTP statuses a health check accepts, written as "200-299,301": parsed
// once when the configuration loads, matched on every HTTP check.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sy::conf {

struct StatusRange {
  uint16_t first = 0;
  uint16_t last = 0;  // inclusive; equal to first for a single status
  bool operator==(const StatusRange&) const = default;
};

// "200", "200-299", "200-299, 301,404": comma-separated statuses or ranges,
// each within 100-599. Returns an error message otherwise.
std::variant<std::vector<StatusRange>, std::string> parse_status_ranges(std::string_view text);

bool status_matches(std::span<const StatusRange> ranges, unsigned status);

// Back to the written form: {200-299, 301} -> "200-299,301".
std::string format_status_ranges(std::span<const StatusRange> ranges);

}  // namespace sy::conf
