// PROXY protocol headers: v1 and v2 parsed whole and cut at every point,
// rejected as soon as they cannot be valid, and built headers read back.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <random>

#include "proxy/proxy_protocol/header.hpp"

using namespace sy::proxy_protocol;
using Status = ParseResult::Status;

namespace {

sockaddr_storage ip(const char* text, uint16_t port) {
  sockaddr_storage out{};
  if (std::string_view(text).find(':') != std::string_view::npos) {
    auto& a = reinterpret_cast<sockaddr_in6&>(out);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, text, &a.sin6_addr);
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(out);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, text, &a.sin_addr);
  }
  return out;
}

std::string endpoint(const sockaddr_storage& address) {
  return address_text(address) + ":" + std::to_string(port_of(address));
}

// Every strict prefix needs more; the whole header (followed by the
// client's bytes) is done with the right length.
ParseResult check_prefixes_then_done(const std::string& header) {
  for (size_t cut = 0; cut < header.size(); ++cut) {
    CAPTURE(cut);
    REQUIRE(parse(std::string_view(header).substr(0, cut)).status == Status::need_more);
  }
  std::string with_payload = header + "GET / HTTP/1.1\r\n";
  ParseResult result = parse(with_payload);
  REQUIRE(result.status == Status::done);
  CHECK(result.length == header.size());
  return result;
}

}  // namespace

TEST_CASE("proxy protocol v1: TCP4, TCP6 and UNKNOWN") {
  auto v4 = check_prefixes_then_done("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
  CHECK(endpoint(v4.addresses.source) == "192.0.2.1:56324");
  CHECK(endpoint(v4.addresses.destination) == "198.51.100.7:443");
  auto v6 = check_prefixes_then_done("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n");
  CHECK(endpoint(v6.addresses.source) == "2001:db8::1:1");
  CHECK(endpoint(v6.addresses.destination) == "::1:65535");
  auto unknown = check_prefixes_then_done("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n");
  CHECK_FALSE(unknown.addresses.known());
  CHECK_FALSE(check_prefixes_then_done("PROXY UNKNOWN\r\n").addresses.known());
}

TEST_CASE("proxy protocol v1: malformed headers are invalid") {
  for (const char* bad : {
           "PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n",          // a field missing
           "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 x\r\n",    // one too many
           "PROXY TCP5 192.0.2.1 198.51.100.7 1 2\r\n",            // protocol
           "PROXY TCP4 192.0.2.256 198.51.100.7 1 2\r\n",          // address
           "PROXY TCP4 ::1 ::2 1 2\r\n",                            // v6 addresses as TCP4
           "PROXY TCP4 192.0.2.1 198.51.100.7 65536 2\r\n",        // port range
           "PROXY TCP4 192.0.2.1 198.51.100.7 01 2\r\n",           // leading zero
           "PROXY TCP4 192.0.2.1  198.51.100.7 1 2\r\n",           // double space
           "PROXY TCP4 192.0.2.1 198.51.100.7 1 2\n",              // bare LF
       }) {
    CAPTURE(bad);
    CHECK(parse(bad).status == Status::invalid);
  }
  std::string long_line = "PROXY UNKNOWN " + std::string(120, 'x');
  CHECK(parse(long_line).status == Status::invalid);
  CHECK(parse(long_line + "\r\n").status == Status::invalid);
}

TEST_CASE("proxy protocol: anything else is refused on its first differing byte") {
  CHECK(parse("GET / HTTP/1.1\r\n").status == Status::invalid);
  CHECK(parse("P").status == Status::need_more);
  CHECK(parse("PROX").status == Status::need_more);
  CHECK(parse("PROXZ").status == Status::invalid);
  CHECK(parse(std::string("\r\n\r\n\0\r\nQUIX", 12)).status == Status::invalid);
  CHECK(parse("").status == Status::need_more);
}

TEST_CASE("proxy protocol v2: IPv4, IPv6, LOCAL and TLVs") {
  auto v4 = check_prefixes_then_done(build_v2(ip("10.1.2.3", 40000), ip("10.9.9.9", 8080)));
  CHECK(endpoint(v4.addresses.source) == "10.1.2.3:40000");
  CHECK(endpoint(v4.addresses.destination) == "10.9.9.9:8080");
  auto v6 = check_prefixes_then_done(build_v2(ip("2001:db8::7", 1234), ip("2001:db8::8", 443)));
  CHECK(endpoint(v6.addresses.source) == "2001:db8::7:1234");

  std::string local("\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00", 16);
  CHECK_FALSE(check_prefixes_then_done(local).addresses.known());

  // IPv4 plus a TLV (type 0x04 NOOP, 3 bytes): the TLVs are skipped.
  std::string with_tlv = build_v2(ip("10.1.2.3", 1), ip("10.1.2.4", 2));
  with_tlv[15] = static_cast<char>(12 + 6);
  with_tlv += std::string("\x04\x00\x03xyz", 6);
  auto tlv = check_prefixes_then_done(with_tlv);
  CHECK(endpoint(tlv.addresses.source) == "10.1.2.3:1");
}

TEST_CASE("proxy protocol v2: malformed headers are invalid") {
  std::string header = build_v2(ip("10.1.2.3", 1), ip("10.1.2.4", 2));
  std::string wrong_version = header;
  wrong_version[12] = '\x11';
  CHECK(parse(wrong_version).status == Status::invalid);
  std::string wrong_command = header;
  wrong_command[12] = '\x22';
  CHECK(parse(wrong_command).status == Status::invalid);
  std::string too_short = header;
  too_short[15] = 4;  // IPv4 needs 12
  CHECK(parse(too_short).status == Status::invalid);
  std::string too_long = header;
  too_long[14] = '\x10';
  CHECK(parse(too_long).status == Status::invalid);
}

TEST_CASE("proxy protocol: built headers read back") {
  for (auto [source, destination] : {std::pair{ip("127.0.0.1", 5555), ip("127.0.0.2", 80)},
                                     std::pair{ip("::1", 5555), ip("::2", 80)}}) {
    for (const std::string& header : {build_v1(source, destination), build_v2(source, destination)}) {
      auto result = parse(header);
      REQUIRE(result.status == Status::done);
      CHECK(result.length == header.size());
      CHECK(endpoint(result.addresses.source) == endpoint(source));
      CHECK(endpoint(result.addresses.destination) == endpoint(destination));
    }
  }
  CHECK(build_v1(ip("127.0.0.1", 1), ip("::1", 2)) == "PROXY UNKNOWN\r\n");
  CHECK(build_v1(ip("127.0.0.1", 1), ip("127.0.0.2", 2)) == "PROXY TCP4 127.0.0.1 127.0.0.2 1 2\r\n");
}

TEST_CASE("proxy protocol: random bytes never crash the parser") {
  std::mt19937 random(42);
  std::string v1 = "PROXY TCP4 1.2.3.4 5.6.7.8 9 10\r\n";
  std::string v2 = build_v2(ip("1.2.3.4", 9), ip("5.6.7.8", 10));
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = round % 2 ? v1 : v2;
    for (int edits = 0; edits < 3; ++edits) bytes[random() % bytes.size()] = static_cast<char>(random());
    bytes.resize(random() % (bytes.size() + 1));
    auto result = parse(bytes);
    if (result.status == Status::done) CHECK(result.length <= bytes.size());
  }
}
