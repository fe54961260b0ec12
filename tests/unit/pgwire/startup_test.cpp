// Startup-phase packets: a real StartupMessage at every split offset, the
// special requests (SSL, GSSENC, cancel), and what PostgreSQL rejects.
#include <doctest/doctest.h>

#include "pgwire/message.hpp"
#include "pgwire/startup.hpp"

using namespace sy::pgwire;

namespace {

std::string packet_with_code(int32_t code) {
  std::string out;
  MessageBuilder(out, 0).int32(code);
  return out;
}

std::string length_only(uint32_t length) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out += char(length >> shift);
  return out + std::string(4, '\0');
}

std::string parse_error(std::string_view packet) {
  StartupPacket parsed;
  std::string error;
  REQUIRE(scan_startup(packet).status == StartupScanStatus::complete);
  CHECK_FALSE(parse_startup(packet, parsed, error));
  return error;
}

}  // namespace

TEST_CASE("startup: a StartupMessage fed with every split offset") {
  const std::string packet =
      build_startup({{"user", "alice"}, {"database", "app"}, {"application_name", "psql"}});
  for (size_t split = 0; split <= packet.size(); ++split) {
    CAPTURE(split);
    std::string buffer = packet.substr(0, split);
    StartupScan scan = scan_startup(buffer);
    CHECK(scan.status == (split == packet.size() ? StartupScanStatus::complete : StartupScanStatus::need_more));
    if (split >= 4) CHECK(scan.length == packet.size());
    buffer += packet.substr(split);
    scan = scan_startup(buffer);
    REQUIRE(scan.status == StartupScanStatus::complete);
    REQUIRE(scan.length == packet.size());

    StartupPacket parsed;
    std::string error;
    REQUIRE_MESSAGE(parse_startup(std::string_view(buffer).substr(0, scan.length), parsed, error), error);
    CHECK(parsed.kind == StartupKind::startup);
    CHECK(parsed.protocol == kProtocolVersion3);
    REQUIRE(parsed.parameters.size() == 3);
    CHECK(parsed.parameter("user") == "alice");
    CHECK(parsed.parameter("database") == "app");
    CHECK(parsed.parameter("application_name") == "psql");
    CHECK(parsed.parameter("options").empty());
  }
}

TEST_CASE("startup: bytes after the packet are not part of it") {
  std::string bytes = packet_with_code(kSslRequestCode) + build_startup({{"user", "bob"}});
  StartupScan scan = scan_startup(bytes);
  REQUIRE(scan.status == StartupScanStatus::complete);
  CHECK(scan.length == 8);
}

TEST_CASE("startup: SSLRequest, GSSENCRequest and CancelRequest are recognized") {
  StartupPacket parsed;
  std::string error;
  CHECK(parse_startup(packet_with_code(kSslRequestCode), parsed, error));
  CHECK(parsed.kind == StartupKind::ssl_request);

  parsed = {};
  CHECK(parse_startup(packet_with_code(kGssEncRequestCode), parsed, error));
  CHECK(parsed.kind == StartupKind::gssenc_request);

  parsed = {};
  std::string cancel = build_cancel_request(4242, -17);
  CHECK(cancel.size() == 16);
  REQUIRE(scan_startup(cancel).status == StartupScanStatus::complete);
  CHECK(parse_startup(cancel, parsed, error));
  CHECK(parsed.kind == StartupKind::cancel_request);
  CHECK(parsed.cancel_process_id == 4242);
  CHECK(parsed.cancel_secret_key == -17);

  parsed = {};
  std::string ssl = build_ssl_request();
  CHECK(ssl == std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8));  // the bytes libpq sends
  CHECK(parse_startup(ssl, parsed, error));
  CHECK(parsed.kind == StartupKind::ssl_request);

  // A CancelRequest cut short is rejected.
  CHECK(parse_error(packet_with_code(kCancelRequestCode)) == "invalid CancelRequest packet");
}

TEST_CASE("startup: protocol 2.0 is rejected with PostgreSQL's message") {
  std::string packet;
  MessageBuilder(packet, 0).int32(2 << 16).cstring("user").cstring("bob").byte(0);
  CHECK(parse_error(packet) == "unsupported frontend protocol 2.0: server supports 3.0");
}

TEST_CASE("startup: no user, or an empty one, is rejected") {
  CHECK(parse_error(build_startup({{"database", "app"}})) == "no PostgreSQL user name specified in startup packet");
  CHECK(parse_error(build_startup({{"user", ""}})) == "no PostgreSQL user name specified in startup packet");
}

TEST_CASE("startup: the terminator must be the last byte") {
  std::string missing;
  MessageBuilder(missing, 0).int32(kProtocolVersion3).cstring("user").cstring("bob");
  CHECK(parse_error(missing) == "invalid startup packet layout: expected terminator as last byte");

  std::string trailing;
  MessageBuilder(trailing, 0).int32(kProtocolVersion3).cstring("user").cstring("bob").byte(0).byte('x');
  CHECK(parse_error(trailing) == "invalid startup packet layout: expected terminator as last byte");

  std::string name_only;  // a name without its value
  MessageBuilder(name_only, 0).int32(kProtocolVersion3).cstring("user");
  CHECK(parse_error(name_only) == "invalid startup packet layout: expected terminator as last byte");
}

TEST_CASE("startup: lengths below 8 or above 10000 are malformed") {
  for (uint32_t length : {0u, 4u, 7u, kMaxStartupLength + 1, 0x80000000u, 0xffffffffu})
    CHECK_MESSAGE(scan_startup(length_only(length)).status == StartupScanStatus::malformed, length);
  CHECK(scan_startup(length_only(8)).status == StartupScanStatus::complete);
  CHECK(scan_startup(length_only(kMaxStartupLength)).status == StartupScanStatus::need_more);
  CHECK(scan_startup("\0\0\0").status == StartupScanStatus::need_more);
}
