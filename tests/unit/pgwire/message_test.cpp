// Message framing: scan_message at every split offset of two messages in one
// buffer, malformed lengths, PayloadReader bounds, MessageBuilder round trips.
#include <doctest/doctest.h>

#include <vector>

#include "pgwire/message.hpp"

using namespace sy::pgwire;

namespace {

std::string two_messages(size_t& first_size) {
  std::string bytes;
  MessageBuilder(bytes, 'Q').cstring("select 1");
  first_size = bytes.size();
  MessageBuilder(bytes, 'Z').byte('I');
  return bytes;
}

std::string header(char type, uint32_t length) {
  std::string bytes(1, type);
  for (int shift = 24; shift >= 0; shift -= 8) bytes += char(length >> shift);
  return bytes;
}

}  // namespace

TEST_CASE("message scan: every prefix of two messages in one buffer") {
  size_t first_size = 0;
  const std::string bytes = two_messages(first_size);
  REQUIRE(first_size == 1 + 4 + 9);
  REQUIRE(bytes.size() == first_size + 6);

  for (size_t n = 0; n <= bytes.size(); ++n) {
    CAPTURE(n);
    Scan scan = scan_message(std::string_view(bytes).substr(0, n));
    if (n < kHeaderSize) {
      CHECK(scan.status == ScanStatus::need_header);
      continue;
    }
    CHECK(scan.type == 'Q');
    CHECK(scan.length == 13);
    CHECK(scan.total_size() == first_size);
    CHECK(scan.status == (n < first_size ? ScanStatus::partial : ScanStatus::complete));
  }
  // The second message, once the first is consumed.
  std::string_view rest = std::string_view(bytes).substr(first_size);
  for (size_t n = 0; n <= rest.size(); ++n) {
    Scan scan = scan_message(rest.substr(0, n));
    if (n < kHeaderSize) {
      CHECK(scan.status == ScanStatus::need_header);
    } else {
      CHECK(scan.type == 'Z');
      CHECK(scan.status == (n < 6 ? ScanStatus::partial : ScanStatus::complete));
    }
  }
}

TEST_CASE("message scan: fed in two chunks split at every offset, a framer yields the same two messages") {
  size_t first_size = 0;
  const std::string bytes = two_messages(first_size);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    CAPTURE(split);
    std::string buffer;
    std::vector<std::string> messages;
    for (std::string_view chunk : {std::string_view(bytes).substr(0, split), std::string_view(bytes).substr(split)}) {
      buffer.append(chunk);
      while (true) {
        Scan scan = scan_message(buffer);
        REQUIRE(scan.status != ScanStatus::malformed);
        if (scan.status != ScanStatus::complete) break;
        messages.push_back(buffer.substr(0, scan.total_size()));
        buffer.erase(0, scan.total_size());
      }
    }
    REQUIRE(messages.size() == 2);
    CHECK(messages[0] == bytes.substr(0, first_size));
    CHECK(messages[1] == bytes.substr(first_size));
    CHECK(buffer.empty());
  }
}

TEST_CASE("message scan: lengths below 4 or above the limit are malformed") {
  for (uint32_t length : {0u, 1u, 2u, 3u}) CHECK(scan_message(header('Q', length)).status == ScanStatus::malformed);
  CHECK(scan_message(header('Q', 4)).status == ScanStatus::complete);  // empty payload
  CHECK(scan_message(header('Q', 5)).status == ScanStatus::partial);
  CHECK(scan_message(header('Q', kMaxMessageLength)).status == ScanStatus::partial);
  CHECK(scan_message(header('Q', kMaxMessageLength + 1)).status == ScanStatus::malformed);
  CHECK(scan_message(header('Q', 0xffffffffu)).status == ScanStatus::malformed);
  // A caller-chosen limit, e.g. for the startup phase.
  CHECK(scan_message(header('p', 100), 100).status == ScanStatus::partial);
  CHECK(scan_message(header('p', 101), 100).status == ScanStatus::malformed);
}

TEST_CASE("payload reader: reads past the end fail once and stay failed") {
  SUBCASE("int32 from two bytes") {
    PayloadReader reader(std::string_view("\x01\x02", 2));
    CHECK(reader.int32() == 0);
    CHECK_FALSE(reader.ok());
    CHECK(reader.byte() == 0);  // bytes are there, but the reader has failed
    CHECK(reader.rest().empty());
  }
  SUBCASE("cstring without NUL") {
    PayloadReader reader("abc");
    CHECK(reader.cstring().empty());
    CHECK_FALSE(reader.ok());
  }
  SUBCASE("bytes beyond the end") {
    PayloadReader reader("abc");
    CHECK(reader.bytes(3) == "abc");
    CHECK(reader.at_end());
    CHECK(reader.bytes(1).empty());
    CHECK_FALSE(reader.ok());
  }
  SUBCASE("huge counts do not wrap around") {
    PayloadReader reader("abc");
    reader.byte();
    CHECK(reader.bytes(size_t(-1)).empty());
    CHECK_FALSE(reader.ok());
  }
  SUBCASE("everything on an empty payload") {
    PayloadReader reader("");
    CHECK(reader.at_end());
    CHECK(reader.rest().empty());
    CHECK(reader.ok());
    CHECK(reader.int16() == 0);
    CHECK_FALSE(reader.ok());
  }
}

TEST_CASE("message builder: what is built scans and reads back") {
  std::string out = "prefix";  // appends, never overwrites
  {
    MessageBuilder builder(out, 'D');
    builder.byte(0xff).int16(-2).int32(-70000).cstring("name").bytes(std::string_view("\0\1", 2)).int32(0x7fffffff);
  }  // the destructor fills in the length
  REQUIRE(out.substr(0, 6) == "prefix");
  std::string_view message = std::string_view(out).substr(6);
  Scan scan = scan_message(message);
  REQUIRE(scan.status == ScanStatus::complete);
  CHECK(scan.type == 'D');
  CHECK(scan.total_size() == message.size());

  PayloadReader reader(message.substr(kHeaderSize));
  CHECK(reader.byte() == 0xff);
  CHECK(reader.int16() == -2);
  CHECK(reader.int32() == -70000);
  CHECK(reader.cstring() == "name");
  CHECK(reader.bytes(2) == std::string_view("\0\1", 2));
  CHECK(reader.int32() == 0x7fffffff);
  CHECK(reader.at_end());
  CHECK(reader.ok());
}

TEST_CASE("message builder: finish is idempotent and an empty message is 5 bytes") {
  std::string out;
  MessageBuilder builder(out, 'X');
  builder.finish();
  builder.finish();
  CHECK(out == std::string("X\0\0\0\4", 5));
}
