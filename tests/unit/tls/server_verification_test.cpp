// The client side checking the server: full verification with the right and
// wrong host names, ca-only, none, an unknown CA, an expired server
// certificate, and the chain a server sends.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

ClientSettings verifying(ServerVerification verify) {
  ClientSettings settings = client_settings();
  settings.verify = verify;
  return settings;
}

}  // namespace

TEST_CASE("verify full: every SAN form the certificate has passes") {
  auto server = make_server_context(server_settings());
  for (const char* host : {"localhost", "api.example.test", "127.0.0.1"}) {
    CAPTURE(host);
    SessionPair pair(make_client_context(verifying(ServerVerification::full)), server, host);
    REQUIRE(pair.handshake());
    CHECK(pair.client->peer_certificate()->verified);
  }
}

TEST_CASE("verify full: a wrong host name fails the client with an error naming it") {
  auto server = make_server_context(server_settings());
  for (const char* host : {"wrong.test", "a.b.example.test", "127.0.0.2"}) {
    CAPTURE(host);
    SessionPair pair(make_client_context(verifying(ServerVerification::full)), server, host);
    CHECK_FALSE(pair.handshake());
    CHECK(pair.client->error() == TlsError::hostname_mismatch);
    CHECK(pair.client->error_message() ==
          std::string("certificate verify failed: the server's certificate does not name \"") + host + "\"");
    CHECK(pair.server->failed());  // it got the client's bad_certificate alert
    CHECK(pair.server->error() == TlsError::peer_alert);
  }
}

TEST_CASE("verify ca: the host name is not checked, the CA is") {
  auto server = make_server_context(server_settings());
  SessionPair pair(make_client_context(verifying(ServerVerification::ca)), server, "wrong.test");
  REQUIRE(pair.handshake());
  CHECK(pair.client->peer_certificate()->verified);
}

TEST_CASE("verify ca: a server certificate from an unknown CA fails") {
  ServerSettings settings = server_settings();
  settings.certificate = test_pki().untrusted_server;
  SessionPair pair(make_client_context(verifying(ServerVerification::ca)), make_server_context(settings));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.client->error() == TlsError::peer_certificate_invalid);
  CHECK(pair.client->error_message() == "certificate verify failed: unable to get local issuer certificate");
}

TEST_CASE("verify none: any certificate is accepted, and its verify result is still reported") {
  ServerSettings settings = server_settings();
  settings.certificate = test_pki().untrusted_server;
  SessionPair pair(make_client_context(verifying(ServerVerification::none)), make_server_context(settings),
                   "wrong.test");
  REQUIRE(pair.handshake());
  std::optional<PeerCertificate> peer = pair.client->peer_certificate();
  REQUIRE(peer);
  CHECK_FALSE(peer->verified);
  CHECK(peer->verify_result == "unable to get local issuer certificate");
}

TEST_CASE("verify: an expired server certificate fails the client with the reason") {
  ServerSettings settings = server_settings();
  settings.certificate = test_pki().expired;
  auto server = make_server_context(settings, ExpiredCertificates::allow);
  for (ServerVerification verify : {ServerVerification::ca, ServerVerification::full}) {
    SessionPair pair(make_client_context(verifying(verify)), server);
    CHECK_FALSE(pair.handshake());
    CHECK(pair.client->error() == TlsError::peer_certificate_invalid);
    CHECK(pair.client->error_message() == "certificate verify failed: certificate has expired");
  }
}

TEST_CASE("verify: a chain file (leaf, then CA) loads with the leaf as the served certificate") {
  ServerSettings settings = server_settings();
  settings.certificate = test_pki().server_with_chain;
  auto server = make_server_context(settings);
  CHECK(server->certificates().size() == 1);
  CHECK(server->certificates()[0].subject == "CN=localhost");
  SessionPair pair(make_client_context(verifying(ServerVerification::full)), server);
  REQUIRE(pair.handshake());
  CHECK(pair.client->peer_certificate()->certificate.subject == "CN=localhost");
  CHECK(pair.client->peer_certificate()->verified);
}

TEST_CASE("verify full without any name is refused before a byte is sent") {
  SessionPair pair(make_client_context(verifying(ServerVerification::full)), make_server_context(server_settings()),
                   "");
  CHECK(pair.client->failed());
  CHECK(pair.client->error() == TlsError::internal);
  CHECK(pair.client->error_message() == "full verification needs a server name");
  CHECK(pair.client->pending_ciphertext() == 0);
}

TEST_CASE("verify: a CA file that does not exist names the file") {
  ClientSettings settings = client_settings();
  settings.ca = test_pki().dir + "/missing-ca.crt";
  Created<ClientContext> created = ClientContext::create(settings);
  CHECK_FALSE(created);
  CHECK(created.error == "ca: " + settings.ca + ": No such file or directory");
}

TEST_CASE("verify: an empty ca uses the system store, where our test CA is unknown") {
  ClientSettings settings = client_settings();
  settings.ca.clear();
  SessionPair pair(make_client_context(settings), make_server_context(server_settings()));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.client->error() == TlsError::peer_certificate_invalid);
}
