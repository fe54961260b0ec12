// Loading (and so --check) stays linear in the number of servers and users
// (listeners and backends: loader_structure_errors.cpp's thousands-of-listeners
// case): 100,000 servers load in well under a second here; the bound
// asserted is loose (2 s) because the machine may be busy. A duplicate at the
// end is still found, so the checks ran over everything.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "conf/loader.hpp"

using namespace sy::conf;

namespace {

std::string address(size_t i) {
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255) + ":" + std::to_string(1000 + i % 50000);
}

// Seconds a load of `text` takes, and its result.
double timed_load(const std::string& text, LoadResult& result) {
  auto start = std::chrono::steady_clock::now();
  result = load_string(text, "scale.toml");
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("loader: 100,000 servers in one backend load in linear time") {
  constexpr size_t kServers = 100000;
  std::string text = "[[listener]]\nname = \"l\"\nbind = \"127.0.0.1:7000\"\nprotocol = \"tcp\"\nbackend = \"b\"\n\n"
                     "[[backend]]\nname = \"b\"\n";
  for (size_t i = 0; i < kServers; ++i)
    text += "[[backend.server]]\nname = \"s" + std::to_string(i) + "\"\naddress = \"" + address(i) + "\"\n";
  LoadResult result;
  double seconds = timed_load(text, result);
  MESSAGE("100,000 servers: ", seconds, " s");
  REQUIRE(result.ok());
  CHECK(result.config->backends.at(0).servers.size() == kServers);
  CHECK(seconds < 2.0);

  text += "[[backend.server]]\nname = \"s0\"\naddress = \"10.255.255.255:1\"\n";
  double with_duplicate = timed_load(text, result);
  CHECK_FALSE(result.ok());
  CHECK(with_duplicate < 2.0);
}

TEST_CASE("loader: 100,000 users load in linear time") {
  constexpr size_t kUsers = 100000;
  std::string text;
  for (size_t i = 0; i < kUsers; ++i)
    text += "[[user]]\nname = \"u" + std::to_string(i) + "\"\npassword = \"pw" + std::to_string(i) + "\"\n";
  LoadResult result;
  double seconds = timed_load(text, result);
  MESSAGE("100,000 users: ", seconds, " s");
  REQUIRE(result.ok());
  CHECK(result.config->users.size() == kUsers);
  CHECK(seconds < 2.0);
}
