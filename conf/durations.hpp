// Text forms of durations ("250ms", "1m30s") and byte sizes ("64KiB") used
// in the configuration file; the loader turns them into numbers here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sy::conf {

// "0", or whole numbers each followed by a unit (h, m, s, ms), largest unit
// first: "250ms", "2s", "1m30s", "1h". Returns an error message otherwise.
std::variant<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// The shortest form parse_duration() reads back to the same value:
// 1500ms -> "1s500ms", 90000ms -> "1m30s", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds duration);

// A byte count: "512" (bytes), or a whole number with a unit:
// KB/MB/GB (powers of 1000) or KiB/MiB/GiB (powers of 1024).
std::variant<uint64_t, std::string> parse_size(std::string_view text);

}  // namespace sy::conf
