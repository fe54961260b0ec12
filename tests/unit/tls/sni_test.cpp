// SNI: each name picks its certificate (exact and wildcard SAN entries), an
// unknown name or none gets the default, and the client sends SNI in every
// verification mode but never for an IP literal.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"
#include "tls/certificate.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

ServerSettings two_certificates() {
  ServerSettings settings = server_settings();
  settings.sni_certificates.push_back(test_pki().sni_db);
  return settings;
}

// The subject of the certificate the server served for `name`, seen by a client that verifies nothing.
std::string served_subject(const std::shared_ptr<const ServerContext>& server, const std::string& name) {
  ClientSettings settings = client_settings();
  settings.verify = ServerVerification::none;
  SessionPair pair(make_client_context(settings), server, name);
  REQUIRE(pair.handshake());
  CHECK(pair.server->server_name() == name);
  return pair.client->peer_certificate()->certificate.subject;
}

}  // namespace

TEST_CASE("sni: each name gets the certificate that names it; unknown names get the default") {
  auto server = make_server_context(two_certificates());
  CHECK(served_subject(server, "db.internal") == "CN=db.internal");
  CHECK(served_subject(server, "DB.Internal") == "CN=db.internal");          // case does not matter
  CHECK(served_subject(server, "replica.db.internal") == "CN=db.internal");  // wildcard SAN
  CHECK(served_subject(server, "localhost") == "CN=localhost");              // the default's own name
  CHECK(served_subject(server, "unknown.test") == "CN=localhost");           // unknown: default
  CHECK(served_subject(server, "a.b.db.internal") == "CN=localhost");        // wildcard covers one label only
}

TEST_CASE("sni: no name (an IP literal host) gets the default, and no SNI is sent") {
  auto server = make_server_context(two_certificates());
  SessionPair pair(make_client_context(client_settings()), server, "127.0.0.1");
  REQUIRE(pair.handshake());
  CHECK(pair.server->server_name() == "");
  CHECK(pair.client->peer_certificate()->certificate.subject == "CN=localhost");
  CHECK(pair.client->peer_certificate()->verified);  // full verification against the IP SAN
}

TEST_CASE("sni: full verification passes against the SNI certificate the server chose") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(two_certificates()), "pg.db.internal");
  REQUIRE(pair.handshake());
  CHECK(pair.client->peer_certificate()->certificate.subject == "CN=db.internal");
  CHECK(pair.client->peer_certificate()->verified);
}

TEST_CASE("sni: sent in every verification mode; settings' server_name replaces the host") {
  auto server = make_server_context(two_certificates());
  for (ServerVerification verify : {ServerVerification::none, ServerVerification::ca, ServerVerification::full}) {
    ClientSettings settings = client_settings();
    settings.verify = verify;
    settings.server_name = "db.internal";
    SessionPair pair(make_client_context(settings), server, "10.0.0.7");  // the address we dial
    REQUIRE(pair.handshake());
    CHECK(pair.server->server_name() == "db.internal");
    CHECK(pair.client->server_name() == "db.internal");
  }
}

TEST_CASE("sni: the context lists its certificates, default first") {
  auto server = make_server_context(two_certificates());
  std::vector<CertificateInfo> certificates = server->certificates();
  REQUIRE(certificates.size() == 2);
  CHECK(certificates[0].subject == "CN=localhost");
  CHECK(certificates[1].subject == "CN=db.internal");
  CHECK(certificates[1].dns_names() == std::vector<std::string>{"db.internal", "*.db.internal"});
  CHECK(certificates[1].not_after > certificates[1].not_before);
  CHECK(certificates[1].issuer == "CN=Switchyard Test CA");
}

TEST_CASE("sni: certificate name matching") {
  CHECK(certificate_name_matches("localhost", "localhost"));
  CHECK(certificate_name_matches("LocalHost", "localHOST"));
  CHECK_FALSE(certificate_name_matches("localhost", "localhost2"));
  CHECK(certificate_name_matches("*.example.com", "a.example.com"));
  CHECK_FALSE(certificate_name_matches("*.example.com", "example.com"));
  CHECK_FALSE(certificate_name_matches("*.example.com", "a.b.example.com"));
  CHECK_FALSE(certificate_name_matches("*.example.com", ".example.com"));
  CHECK_FALSE(certificate_name_matches("*.example.com", "aexample.com"));
  CHECK_FALSE(certificate_name_matches("", "a"));
  CHECK_FALSE(certificate_name_matches("a", ""));
}
