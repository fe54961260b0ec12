// Accepted HTTP statuses as written in expect_status: lists and ranges that
// parse, the ones that do not (with a message that says why), and matching.
#include <doctest/doctest.h>

#include "conf/status_ranges.hpp"

using namespace sy::conf;

namespace {

std::vector<StatusRange> parsed(std::string_view text) {
  auto result = parse_status_ranges(text);
  if (auto* problem = std::get_if<std::string>(&result)) FAIL(*problem);
  return std::get<std::vector<StatusRange>>(result);
}

std::string problem_of(std::string_view text) {
  auto result = parse_status_ranges(text);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(result), "\"", std::string(text), "\" parsed");
  return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("status ranges: single statuses, ranges and lists with spaces") {
  CHECK(parsed("200") == std::vector<StatusRange>{{200, 200}});
  CHECK(parsed("200-299") == std::vector<StatusRange>{{200, 299}});
  CHECK(parsed("200-299,301") == std::vector<StatusRange>{{200, 299}, {301, 301}});
  CHECK(parsed(" 200 - 204 , 301 ,404") == std::vector<StatusRange>{{200, 204}, {301, 301}, {404, 404}});
  CHECK(parsed("100-599") == std::vector<StatusRange>{{100, 599}});
}

TEST_CASE("status ranges: what does not parse says which item and why") {
  CHECK(problem_of("") == "expected statuses such as \"200-299,301\", got an empty string");
  CHECK(problem_of("ok") == "\"ok\" is not an HTTP status from 100 to 599 (expected statuses such as \"200-299,301\")");
  CHECK(problem_of("200,99").starts_with("\"99\" is not an HTTP status from 100 to 599"));
  CHECK(problem_of("600").starts_with("\"600\" is not an HTTP status"));
  CHECK(problem_of("2000").starts_with("\"2000\" is not an HTTP status"));
  CHECK(problem_of("200-").starts_with("\"200-\" is not a range of HTTP statuses"));
  CHECK(problem_of("2xx").starts_with("\"2xx\" is not an HTTP status"));
  CHECK(problem_of("299-200").starts_with("\"299-200\" is a range whose start is above its end"));
  CHECK(problem_of("200,,301").starts_with("empty item in the status list"));
  CHECK(problem_of("200,").starts_with("empty item in the status list"));
  CHECK(problem_of("+200").starts_with("\"+200\" is not an HTTP status"));
}

TEST_CASE("status ranges: matching includes both ends of each range") {
  auto ranges = parsed("200-204,301");
  for (unsigned status : {200u, 201u, 204u, 301u}) CHECK_MESSAGE(status_matches(ranges, status), status);
  for (unsigned status : {199u, 205u, 300u, 302u, 503u}) CHECK_MESSAGE(!status_matches(ranges, status), status);
}

TEST_CASE("status ranges: formatting gives back the written form") {
  CHECK(format_status_ranges(parsed("200-299, 301")) == "200-299,301");
  CHECK(format_status_ranges(parsed("204")) == "204");
}
