// Bad bytes: plaintext on a TLS port, random garbage, a truncated or
// corrupted ClientHello, a flipped bit in an established session's record.
// Every one ends in a clean failure with a reason, never a crash, and the
// session stays failed.
#include <doctest/doctest.h>

#include <random>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

std::unique_ptr<TlsSession> server_fed(std::string_view bytes) {
  static auto context = make_server_context(server_settings());
  auto server = TlsSession::accept(context);
  server->feed_ciphertext(bytes);
  return server;
}

std::string client_hello() {
  static auto context = make_client_context(client_settings());
  std::string hello;
  TlsSession::connect(context, "localhost")->take_ciphertext(hello);
  return hello;
}

}  // namespace

TEST_CASE("bad input: an HTTP request on a TLS port is not_tls, with OpenSSL's reason") {
  auto server = server_fed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(server->failed());
  CHECK(server->error() == TlsError::not_tls);
  CHECK(server->error_message() == "http request");
  char buffer[16];
  CHECK(server->read_plaintext(buffer).status == ReadStatus::error);
  CHECK(server->write_plaintext("x") == 0);
  CHECK_FALSE(server->feed_ciphertext("more"));  // stays failed
}

TEST_CASE("bad input: a PostgreSQL startup packet on a direct-TLS port is not_tls") {
  const std::string startup("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);  // SSLRequest
  auto server = server_fed(startup);
  CHECK(server->failed());
  CHECK(server->error() == TlsError::not_tls);
}

TEST_CASE("bad input: random garbage fails cleanly, whatever the seed") {
  std::mt19937 random(12345);
  for (int round = 0; round < 200; ++round) {
    std::string garbage(1 + random() % 600, '\0');
    for (char& byte : garbage) byte = char(random());
    if (round % 2 == 0) garbage[0] = 0x16;  // looks like a handshake record: deeper into the parser
    auto server = server_fed(garbage);
    if (server->failed()) {
      CHECK(server->error() != TlsError::none);
      CHECK_FALSE(server->error_message().empty());
    } else {
      CHECK(server->state() == TlsSession::State::handshaking);  // a record header that wants more bytes
    }
  }
}

TEST_CASE("bad input: a truncated ClientHello waits for more; the rest then completes it") {
  const std::string hello = client_hello();
  auto server = server_fed(std::string_view(hello).substr(0, hello.size() / 2));
  CHECK_FALSE(server->failed());
  CHECK(server->state() == TlsSession::State::handshaking);
  CHECK(server->pending_ciphertext() == 0);
  CHECK(server->feed_ciphertext(std::string_view(hello).substr(hello.size() / 2)));
  CHECK(server->pending_ciphertext() > 0);
}

TEST_CASE("bad input: a ClientHello with a corrupted byte at every position never crashes the server") {
  const std::string hello = client_hello();
  int failures = 0;
  for (size_t position = 0; position < hello.size(); ++position) {
    std::string corrupted = hello;
    corrupted[position] = char(corrupted[position] ^ 0x5a);
    auto server = server_fed(corrupted);
    if (server->failed()) {
      ++failures;
      CHECK(server->error() != TlsError::none);
    }
    if (position == 0) CHECK(server->failed());  // no longer a handshake record
  }
  // Random, session id and key share bytes may change freely; the structure may not.
  CHECK(failures > 30);
}

TEST_CASE("bad input: a flipped bit in an established record fails the reader with a protocol error") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("integrity") == 9);
  std::string record;
  pair.client->take_ciphertext(record);
  record[record.size() - 3] = char(record[record.size() - 3] ^ 1);
  CHECK(pair.server->feed_ciphertext(record));  // buffered; decryption happens on read
  char buffer[32];
  ReadResult result = pair.server->read_plaintext(buffer);
  CHECK(result.status == ReadStatus::error);
  CHECK(pair.server->error() == TlsError::protocol);
  CHECK(pair.server->error_message() == "decryption failed or bad record mac");
  CHECK(pair.server->pending_ciphertext() > 0);  // the bad_record_mac alert, for the caller to send
}
