// parse_address: "host:port" and "[v6]:port" endpoints, resolved at load time.
#include "conf/address.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>

using sy::conf::Address;
using sy::conf::parse_address;

namespace {
Address good(std::string_view text) {
  auto result = parse_address(text);
  REQUIRE_MESSAGE(std::holds_alternative<Address>(result), "\"", text, "\" was rejected");
  return std::get<Address>(result);
}
std::string bad(std::string_view text) {
  auto result = parse_address(text);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(result), "\"", text, "\" was accepted");
  return std::get<std::string>(result);
}
}  // namespace

TEST_CASE("addresses: IPv4 literal") {
  Address address = good("127.0.0.1:8080");
  CHECK(address.host == "127.0.0.1");
  CHECK(address.port == 8080);
  REQUIRE(address.storage.ss_family == AF_INET);
  CHECK(address.length == sizeof(sockaddr_in));
  auto* v4 = reinterpret_cast<const sockaddr_in*>(&address.storage);
  CHECK(ntohs(v4->sin_port) == 8080);
  CHECK(v4->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  CHECK(address.to_string() == "127.0.0.1:8080");
  CHECK(sy::conf::format_sockaddr(address.sockaddr_ptr()) == "127.0.0.1:8080");
}

TEST_CASE("addresses: bracketed IPv6 literal") {
  Address address = good("[::1]:6432");
  CHECK(address.host == "::1");
  CHECK(address.port == 6432);
  CHECK(address.storage.ss_family == AF_INET6);
  CHECK(address.to_string() == "[::1]:6432");
  CHECK(sy::conf::format_sockaddr(address.sockaddr_ptr()) == "[::1]:6432");
}

TEST_CASE("addresses: port bounds") {
  CHECK(good("0.0.0.0:65535").port == 65535);
  CHECK(bad("127.0.0.1:65536") == "invalid port \"65536\"");
  CHECK(bad("127.0.0.1:http") == "invalid port \"http\"");
  CHECK(bad("127.0.0.1:-1") == "invalid port \"-1\"");
  CHECK(bad("127.0.0.1:") == "invalid port \"\"");
}

TEST_CASE("addresses: missing parts and malformed forms") {
  CHECK(bad("127.0.0.1") == "expected \"host:port\"");
  CHECK(bad(":8080") == "missing host in \"host:port\"");
  CHECK(bad("::1:8080") == "IPv6 addresses need brackets: \"[::1]:port\"");
  CHECK(bad("[::1]") == "expected \"[ipv6]:port\"");
  CHECK(bad("[::1:8080") == "expected \"[ipv6]:port\"");
  CHECK(bad("[]:8080") == "missing host in \"host:port\"");
}
