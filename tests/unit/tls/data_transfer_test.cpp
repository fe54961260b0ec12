// Application data through an established session: one byte, 1 MiB in odd
// chunks both ways, ciphertext moved in odd-sized feeds, two writes arriving
// in one feed.
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

std::string pattern_bytes(size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  uint32_t state = seed;
  for (char& byte : bytes) {
    state = state * 1103515245u + 12345u;
    byte = char(state >> 24);
  }
  return bytes;
}

// Writes all of `bytes` on `writer` in pieces of `piece` plaintext bytes,
// pumping whenever the session takes no more.
void write_all(SessionPair& pair, TlsSession& writer, const std::string& bytes, size_t piece) {
  size_t offset = 0;
  int stalls = 0;
  while (offset < bytes.size()) {
    size_t taken = writer.write_plaintext(std::string_view(bytes).substr(offset, piece));
    offset += taken;
    if (taken == 0) {
      REQUIRE(++stalls < 10000);
      pair.pump();
    }
  }
  pair.pump();
}

}  // namespace

TEST_CASE("data: one byte each way") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("x") == 1);
  pair.pump();
  CHECK(pair.server_received == "x");
  CHECK(pair.server->write_plaintext("y") == 1);
  pair.pump();
  CHECK(pair.client_received == "y");
}

TEST_CASE("data: 1 MiB each way in odd plaintext pieces, ciphertext moved in odd feeds, arrives intact") {
  for (size_t feed : {size_t(1) << 20, size_t(4093), size_t(17), size_t(1)}) {
    CAPTURE(feed);
    SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
    pair.chunk = feed;
    REQUIRE(pair.handshake());
    // A 1-byte feed over 1 MiB is slow; a smaller payload still crosses every record boundary.
    const size_t size = feed == 1 ? 100 * 1000 : 1 << 20;
    const std::string upstream = pattern_bytes(size, 1), downstream = pattern_bytes(size, 2);
    write_all(pair, *pair.client, upstream, 12347);
    write_all(pair, *pair.server, downstream, 65521);
    CHECK(pair.server_received.size() == upstream.size());
    CHECK(pair.server_received == upstream);
    CHECK(pair.client_received.size() == downstream.size());
    CHECK(pair.client_received == downstream);
    CHECK_FALSE(pair.client->failed());
    CHECK_FALSE(pair.server->failed());
  }
}

TEST_CASE("data: two writes taken as one feed are read as both, in order") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("first,") == 6);
  CHECK(pair.client->write_plaintext("second") == 6);
  std::string both;
  pair.client->take_ciphertext(both);
  CHECK(pair.client->pending_ciphertext() == 0);
  REQUIRE(pair.server->feed_ciphertext(both));
  CHECK(pair.server->unread_ciphertext() == both.size());
  char buffer[64];
  std::string read;
  for (ReadResult result = pair.server->read_plaintext(buffer); result.status == ReadStatus::data;
       result = pair.server->read_plaintext(buffer))
    read.append(buffer, result.bytes);
  CHECK(read == "first,second");
  CHECK(pair.server->unread_ciphertext() == 0);
}

TEST_CASE("data: a small read buffer gets a record in several reads") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.server->write_plaintext("0123456789") == 10);
  std::string ciphertext;
  pair.server->take_ciphertext(ciphertext);
  REQUIRE(pair.client->feed_ciphertext(ciphertext));
  char three[3];
  std::string read;
  int reads = 0;
  for (ReadResult result = pair.client->read_plaintext(three); result.status == ReadStatus::data;
       result = pair.client->read_plaintext(three)) {
    read.append(three, result.bytes);
    ++reads;
  }
  CHECK(read == "0123456789");
  CHECK(reads == 4);
}

TEST_CASE("data: take_ciphertext into a small buffer hands out everything in order") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("hello over a small output buffer") == 32);
  const size_t pending = pair.client->pending_ciphertext();
  std::string ciphertext;
  char small[5];
  while (size_t got = pair.client->take_ciphertext(small)) ciphertext.append(small, got);
  CHECK(ciphertext.size() == pending);
  CHECK(pair.client->pending_ciphertext() == 0);
  REQUIRE(pair.server->feed_ciphertext(ciphertext));
  char buffer[64];
  ReadResult result = pair.server->read_plaintext(buffer);
  REQUIRE(result.status == ReadStatus::data);
  CHECK(std::string(buffer, result.bytes) == "hello over a small output buffer");
}
