// parse_duration / format_duration / parse_size: the text forms of
// durations and sizes in the configuration file.
#include "conf/durations.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sy::conf::format_duration;
using sy::conf::parse_duration;
using sy::conf::parse_size;

TEST_CASE("durations: accepted forms") {
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("250ms")) == 250ms);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("2s")) == 2s);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("1m")) == 1min);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("1h")) == 1h);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("1m30s")) == 90s);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("1h2m3s4ms")) == 1h + 2min + 3s + 4ms);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("0")) == 0ms);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("0s")) == 0ms);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("90s")) == 90s);
  CHECK(std::get<std::chrono::milliseconds>(parse_duration("1500ms")) == 1500ms);
}

namespace {
std::string duration_error(std::string_view text) {
  auto result = parse_duration(text);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(result), "\"", text, "\" was accepted");
  return std::get<std::string>(result);
}
std::string size_error(std::string_view text) {
  auto result = parse_size(text);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(result), "\"", text, "\" was accepted");
  return std::get<std::string>(result);
}
}  // namespace

TEST_CASE("durations: rejected forms say why") {
  CHECK(duration_error("") == "empty duration");
  CHECK(duration_error("-2s") == "negative duration \"-2s\" is not allowed");
  CHECK(duration_error("250") == "missing unit in duration \"250\" (use ms, s, m or h, like \"250ms\" or \"1m30s\")");
  CHECK(duration_error("2d").find("unknown unit \"d\" in duration \"2d\"") == 0);
  CHECK(duration_error("2 s").find("missing unit in duration \"2 s\"") == 0);
  CHECK(duration_error("1m 30s").find("expected a number before \" 30s\"") != std::string::npos);
  CHECK(duration_error("1mx").find("unknown unit \"mx\"") == 0);
  CHECK(duration_error("2S").find("unknown unit \"S\"") == 0);
  CHECK(duration_error("s").find("must start with a number") != std::string::npos);
  CHECK(duration_error(" 2s").find("must start with a number") != std::string::npos);
  CHECK(duration_error("+2s").find("must start with a number") != std::string::npos);
  CHECK(duration_error("1.5s").find("use whole numbers") != std::string::npos);
  CHECK(duration_error("30s1m").find("largest first") != std::string::npos);
  CHECK(duration_error("1s1s").find("largest first") != std::string::npos);
  CHECK(duration_error("1m30").find("missing unit") == 0);
  CHECK(duration_error("99999999999999999999s") == "duration \"99999999999999999999s\" is too large");
  CHECK(duration_error("9223372036854775807s") == "duration \"9223372036854775807s\" is too large");
  CHECK(duration_error("2562047788015216h") == "duration \"2562047788015216h\" is too large");
}

TEST_CASE("durations: format gives the shortest form that parses back") {
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(2s) == "2s");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(1h) == "1h");
  CHECK(format_duration(1h + 5s) == "1h5s");
  CHECK(format_duration(1500ms) == "1s500ms");
  CHECK(format_duration(0ms) == "0s");
  for (auto value : {0ms, 1ms, 999ms, 1000ms, 61001ms, 3'600'000ms, 86'400'000ms, 123'456'789ms}) {
    auto parsed = parse_duration(format_duration(value));
    REQUIRE(std::holds_alternative<std::chrono::milliseconds>(parsed));
    CHECK(std::get<std::chrono::milliseconds>(parsed) == value);
  }
}

TEST_CASE("sizes: plain bytes, 1000-based and 1024-based units") {
  CHECK(std::get<uint64_t>(parse_size("512")) == 512);
  CHECK(std::get<uint64_t>(parse_size("0")) == 0);
  CHECK(std::get<uint64_t>(parse_size("64KB")) == 64'000);
  CHECK(std::get<uint64_t>(parse_size("64KiB")) == 65'536);
  CHECK(std::get<uint64_t>(parse_size("2MB")) == 2'000'000);
  CHECK(std::get<uint64_t>(parse_size("2MiB")) == 2u * 1024 * 1024);
  CHECK(std::get<uint64_t>(parse_size("3GB")) == 3'000'000'000ull);
  CHECK(std::get<uint64_t>(parse_size("3GiB")) == 3ull << 30);
  CHECK(std::get<uint64_t>(parse_size("18446744073709551615")) == 18446744073709551615ull);
}

TEST_CASE("sizes: rejected forms say why") {
  CHECK(size_error("") == "empty size");
  CHECK(size_error("-1KiB") == "negative size \"-1KiB\" is not allowed");
  CHECK(size_error("KiB").find("must start with a number") != std::string::npos);
  CHECK(size_error("64kb").find("unknown unit \"kb\" in size \"64kb\"") == 0);
  CHECK(size_error("64 KiB").find("unknown unit \" KiB\"") == 0);
  CHECK(size_error("64k").find("use KB, MB, GB for powers of 1000 or KiB, MiB, GiB for powers of 1024") !=
        std::string::npos);
  CHECK(size_error("1.5MiB").find("use whole numbers") != std::string::npos);
  CHECK(size_error("18446744073709551616") == "size \"18446744073709551616\" is too large");
  CHECK(size_error("18014398509481984GiB") == "size \"18014398509481984GiB\" is too large");
}
