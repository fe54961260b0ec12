// Client certificates (mTLS): required / optional / none on the listener,
// the subject the server reports, and the failures a client without a good
// certificate gets.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

ServerSettings asking_for_certificates(ClientCertificates mode) {
  ServerSettings settings = server_settings();
  settings.client_ca = test_pki().ca_cert;
  settings.verify_client = mode;
  return settings;
}

ClientSettings with_certificate(const CertificateFiles& files) {
  ClientSettings settings = client_settings();
  settings.client_certificate = files;
  return settings;
}

}  // namespace

TEST_CASE("mTLS: required, with a certificate: served, and the server reports its subject and SANs") {
  for (TlsVersion version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
    ClientSettings client = with_certificate(test_pki().client);
    client.max_version = version;
    SessionPair pair(make_client_context(client),
                     make_server_context(asking_for_certificates(ClientCertificates::required)));
    REQUIRE(pair.handshake());
    std::optional<PeerCertificate> peer = pair.server->peer_certificate();
    REQUIRE(peer);
    CHECK(peer->verified);
    CHECK(peer->certificate.subject == "CN=app-client,O=Switchyard Tests");
    CHECK(peer->certificate.subject_alt_names == std::vector<std::string>{"email:app@example.test"});
    CHECK(peer->certificate.issuer == "CN=Switchyard Test CA");
  }
}

TEST_CASE("mTLS: required, without a certificate: a handshake error on the server, certificate missing") {
  SessionPair pair(make_client_context(client_settings()),
                   make_server_context(asking_for_certificates(ClientCertificates::required)));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->failed());
  CHECK(pair.server->error() == TlsError::peer_certificate_missing);
  // TLS 1.3: the client learns it from the server's alert, when it reads.
  CHECK(pair.client->failed());
  CHECK(pair.client->error() == TlsError::peer_certificate_missing);
}

TEST_CASE("mTLS: optional, without a certificate: served, and no peer certificate") {
  SessionPair pair(make_client_context(client_settings()),
                   make_server_context(asking_for_certificates(ClientCertificates::optional)));
  REQUIRE(pair.handshake());
  CHECK_FALSE(pair.server->peer_certificate());
  CHECK(pair.client->write_plaintext("ok") == 2);
  pair.pump();
  CHECK(pair.server_received == "ok");
}

TEST_CASE("mTLS: optional, with a certificate from an unknown CA: refused") {
  ServerSettings server = asking_for_certificates(ClientCertificates::optional);
  // The client presents a certificate that the server's client_ca never signed.
  ClientSettings client = with_certificate(test_pki().untrusted_server);
  SessionPair pair(make_client_context(client), make_server_context(server));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->error() == TlsError::peer_certificate_invalid);
  CHECK(pair.server->error_message() == "certificate verify failed: unable to get local issuer certificate");
}

TEST_CASE("mTLS: required, with an expired client certificate: refused with the reason") {
  ClientSettings client = with_certificate(test_pki().expired);
  SessionPair pair(make_client_context(client, ExpiredCertificates::allow),
                   make_server_context(asking_for_certificates(ClientCertificates::required)));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->error() == TlsError::peer_certificate_invalid);
  CHECK(pair.server->error_message() == "certificate verify failed: certificate has expired");
  CHECK(pair.client->failed());
}

TEST_CASE("mTLS: none: a client certificate is never asked for, so none is reported") {
  SessionPair pair(make_client_context(with_certificate(test_pki().client)), make_server_context(server_settings()));
  REQUIRE(pair.handshake());
  CHECK_FALSE(pair.server->peer_certificate());
}

TEST_CASE("mTLS: verify_client without client_ca is a settings error") {
  ServerSettings settings = server_settings();
  settings.verify_client = ClientCertificates::required;
  Created<ServerContext> created = ServerContext::create(settings);
  CHECK_FALSE(created);
  CHECK(created.error == "verify_client: needs client_ca");
}
