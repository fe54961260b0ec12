// close_notify both ways: data written before it arrives first, the peer
// reads `closed`, writes after our close are refused, and a half-closed
// session can still answer.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

TEST_CASE("close: the client's close_notify reaches the server after the data written before it") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("last words") == 10);
  pair.client->close_notify();
  CHECK(pair.client->close_notify_sent());
  CHECK(pair.client->pending_ciphertext() > 0);
  CHECK(pair.client->write_plaintext("more") == 0);  // nothing after our close
  pair.pump();
  CHECK(pair.server_received == "last words");
  CHECK(pair.server_saw_close);
  CHECK(pair.server->state() == TlsSession::State::peer_closed);
  CHECK_FALSE(pair.server->failed());
  char buffer[16];
  CHECK(pair.server->read_plaintext(buffer).status == ReadStatus::closed);  // and it stays closed
}

TEST_CASE("close: the server's close_notify reaches the client; the other side answers with its own") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  pair.server->close_notify();
  pair.pump();
  CHECK(pair.client_saw_close);
  CHECK(pair.client->state() == TlsSession::State::peer_closed);
  // Half-closed: the client may still send before closing its side.
  CHECK(pair.client->write_plaintext("bye") == 3);
  pair.client->close_notify();
  pair.pump();
  CHECK(pair.server_received == "bye");
  CHECK(pair.server_saw_close);
  CHECK_FALSE(pair.client->failed());
  CHECK_FALSE(pair.server->failed());
}

TEST_CASE("close: close_notify twice sends one alert; before the handshake it sends nothing") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  pair.server->close_notify();
  CHECK_FALSE(pair.server->close_notify_sent());
  CHECK(pair.server->pending_ciphertext() == 0);
  REQUIRE(pair.handshake());
  pair.client->close_notify();
  const size_t once = pair.client->pending_ciphertext();
  CHECK(once > 0);
  pair.client->close_notify();
  CHECK(pair.client->pending_ciphertext() == once);
}
