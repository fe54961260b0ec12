// The ticket key file format: hex lines of 80 bytes split into name, AES and
// HMAC keys; comments and blank lines; every malformed line named.
#include <doctest/doctest.h>

#include <cctype>
#include <string>

#include "tls/ticket_keys.hpp"

using namespace sy::tls;

namespace {

// 80 bytes 00 01 02 ... 4f as hex.
std::string counting_key() {
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 80; ++i) {
    hex += digits[i >> 4];
    hex += digits[i & 15];
  }
  return hex;
}

}  // namespace

TEST_CASE("ticket keys: one line splits into 16 name, 32 AES, 32 HMAC bytes in that order") {
  TicketKeysParse parsed = parse_ticket_keys(counting_key() + "\n");
  REQUIRE(parsed.error == "");
  REQUIRE(parsed.keys.size() == 1);
  CHECK(parsed.keys[0].name[0] == 0x00);
  CHECK(parsed.keys[0].name[15] == 0x0f);
  CHECK(parsed.keys[0].aes_key[0] == 0x10);
  CHECK(parsed.keys[0].aes_key[31] == 0x2f);
  CHECK(parsed.keys[0].hmac_key[0] == 0x30);
  CHECK(parsed.keys[0].hmac_key[31] == 0x4f);
}

TEST_CASE("ticket keys: comments, blank lines, CRLF and surrounding spaces are ignored; order is kept") {
  std::string upper = counting_key();
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  // No newline after the last key.
  const std::string file = "# rotated 2024-05-01\r\n\r\n  " + std::string(160, 'f') + "  \r\n" + upper;
  TicketKeysParse parsed = parse_ticket_keys(file);
  REQUIRE(parsed.error == "");
  REQUIRE(parsed.keys.size() == 2);
  CHECK(parsed.keys[0].name[0] == 0xff);
  CHECK(parsed.keys[1].name[1] == 0x01);  // upper-case hex reads the same
}

TEST_CASE("ticket keys: malformed files name the line and the reason") {
  CHECK(parse_ticket_keys("").error == "no keys");
  CHECK(parse_ticket_keys("# only a comment\n\n").error == "no keys");
  CHECK(parse_ticket_keys("abc\n").error == "line 1: expected 160 hex digits, got 3 characters");
  std::string bad = counting_key();
  bad[10] = 'g';
  CHECK(parse_ticket_keys("\n" + bad).error == "line 2: not a hex digit at column 11");
  bad = counting_key();
  bad[11] = 'x';
  CHECK(parse_ticket_keys(bad).error == "line 1: not a hex digit at column 12");
  std::string many;
  for (size_t i = 0; i <= kMaxTicketKeys; ++i) many += counting_key() + "\n";
  CHECK(parse_ticket_keys(many).error == "line 17: more than 16 keys");
}
