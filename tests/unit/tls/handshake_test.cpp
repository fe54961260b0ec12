// A plain handshake between our client and server sessions: what each side
// reports afterwards, and the same handshake fed one byte at a time.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

TEST_CASE("handshake: TLS 1.3 by default, both sides agree on version and cipher, the client verified the server") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  REQUIRE(pair.client->pending_ciphertext() > 0);  // the ClientHello, ready at once
  CHECK(pair.server->pending_ciphertext() == 0);
  REQUIRE(pair.handshake());

  CHECK(pair.client->state() == TlsSession::State::open);
  CHECK(pair.server->state() == TlsSession::State::open);
  CHECK(pair.client->protocol_version() == "TLSv1.3");
  CHECK(pair.server->protocol_version() == "TLSv1.3");
  CHECK(pair.client->cipher() == pair.server->cipher());
  CHECK(pair.client->cipher().starts_with("TLS_"));
  CHECK_FALSE(pair.client->resumed());
  CHECK(pair.client->error() == TlsError::none);

  std::optional<PeerCertificate> server_certificate = pair.client->peer_certificate();
  REQUIRE(server_certificate);
  CHECK(server_certificate->verified);
  CHECK(server_certificate->verify_result == "ok");
  CHECK(server_certificate->certificate.subject == "CN=localhost");
  CHECK(server_certificate->certificate.issuer == "CN=Switchyard Test CA");
  CHECK(server_certificate->certificate.serial == "0A");
  CHECK(server_certificate->certificate.subject_alt_names ==
        std::vector<std::string>{"DNS:localhost", "DNS:*.example.test", "IP:127.0.0.1"});
  // No client certificate was asked for.
  CHECK_FALSE(pair.server->peer_certificate());
  // The client sent SNI "localhost" and the server received it.
  CHECK(pair.client->server_name() == "localhost");
  CHECK(pair.server->server_name() == "localhost");
}

TEST_CASE("handshake: fed one byte at a time on both sides it completes the same way") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  pair.chunk = 1;
  REQUIRE(pair.handshake());
  CHECK(pair.client->protocol_version() == "TLSv1.3");
  CHECK(pair.client->peer_certificate()->verified);
}

TEST_CASE("handshake: the ClientHello split at every offset into two feeds always reaches the server's answer") {
  auto client_context = make_client_context(client_settings());
  auto server_context = make_server_context(server_settings());
  std::string client_hello;
  TlsSession::connect(client_context, "localhost")->take_ciphertext(client_hello);
  REQUIRE(client_hello.size() > 100);
  for (size_t split = 0; split <= client_hello.size(); split += 7) {
    CAPTURE(split);
    auto server = TlsSession::accept(server_context);
    CHECK(server->feed_ciphertext(std::string_view(client_hello).substr(0, split)));
    if (split < client_hello.size()) CHECK(server->pending_ciphertext() == 0);  // nothing to answer yet
    CHECK(server->feed_ciphertext(std::string_view(client_hello).substr(split)));
    CHECK(server->pending_ciphertext() > 0);  // ServerHello .. Finished
    CHECK_FALSE(server->failed());
  }
}

TEST_CASE("handshake: TLS 1.2 when the client caps its version, with an ECDHE AEAD cipher by default") {
  ClientSettings settings = client_settings();
  settings.max_version = TlsVersion::tls1_2;
  SessionPair pair(make_client_context(settings), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK(pair.client->protocol_version() == "TLSv1.2");
  CHECK(pair.server->protocol_version() == "TLSv1.2");
  CHECK(pair.server->cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_CASE("handshake: writes before the handshake is done are refused, not buffered") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  CHECK(pair.client->write_plaintext("early") == 0);
  CHECK(pair.client->writable() == 0);
  CHECK(pair.server->write_plaintext("early") == 0);
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("later") == 5);
}
