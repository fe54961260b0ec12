// The `options` startup parameter: the settings libpq's users write there
// in each spelling the server accepts, and the words that are not settings.
#include <doctest/doctest.h>

#include "pgwire/startup_options.hpp"

using namespace sy::pgwire;

TEST_CASE("options: -c, -cname=value and --name=value are settings") {
  auto parsed = parse_startup_options("-c search_path=x  -cwork_mem=64kB\t--statement-timeout=5s");
  CHECK(parsed.unsupported.empty());
  REQUIRE(parsed.settings.size() == 3);
  CHECK(parsed.settings[0] == StartupSetting{"search_path", "x"});
  CHECK(parsed.settings[1] == StartupSetting{"work_mem", "64kB"});
  CHECK(parsed.settings[2] == StartupSetting{"statement_timeout", "5s"});
}

TEST_CASE("options: a backslash keeps a space inside a value") {
  auto parsed = parse_startup_options("-c application_name=my\\ app -c search_path=a\\\\b");
  CHECK(parsed.unsupported.empty());
  REQUIRE(parsed.settings.size() == 2);
  CHECK(parsed.settings[0].second == "my app");
  CHECK(parsed.settings[1].second == "a\\b");
}

TEST_CASE("options: empty and blank hold no settings") {
  CHECK(parse_startup_options("").settings.empty());
  CHECK(parse_startup_options("   ").unsupported.empty());
}

TEST_CASE("options: other switches and malformed settings are named") {
  CHECK(parse_startup_options("-d 5").unsupported == "-d");
  CHECK(parse_startup_options("-c search_path=x -e").unsupported == "-e");
  CHECK(parse_startup_options("-c").unsupported == "-c");
  CHECK(parse_startup_options("-c search_path").unsupported == "-c search_path");
  CHECK(parse_startup_options("-c =x").unsupported == "-c =x");
  CHECK(parse_startup_options("--=x").unsupported == "--=x");
  CHECK(parse_startup_options("search_path=x").unsupported == "search_path=x");
}

TEST_CASE("options: the settings around an unsupported word are still read") {
  auto parsed = parse_startup_options("-c search_path=x -d 5 --work-mem=1MB");
  CHECK(parsed.unsupported == "-d");
  REQUIRE(parsed.settings.size() == 2);
  CHECK(parsed.settings[1] == StartupSetting{"work_mem", "1MB"});
}
