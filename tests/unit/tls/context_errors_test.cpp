// What ServerContext::create / ClientContext::create refuse, and that the
// error names the file and the reason -- the text a rejected reload shows.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

std::string server_error(const ServerSettings& settings) {
  Created<ServerContext> created = ServerContext::create(settings);
  CHECK_FALSE(created);
  return created.error;
}

}  // namespace

TEST_CASE("context: a missing certificate file is named with the system's reason") {
  ServerSettings settings = server_settings();
  settings.certificate.cert = test_pki().dir + "/nope.crt";
  CHECK(server_error(settings) == "cert: " + settings.certificate.cert + ": No such file or directory");
}

TEST_CASE("context: a missing key file is named") {
  ServerSettings settings = server_settings();
  settings.certificate.key = test_pki().dir + "/nope.key";
  CHECK(server_error(settings) == "cert: " + settings.certificate.key + ": No such file or directory");
}

TEST_CASE("context: no cert or key configured") {
  ServerSettings settings;
  CHECK(server_error(settings) == "cert: a certificate needs both a cert and a key file");
}

TEST_CASE("context: a key that belongs to another certificate is refused, naming both files") {
  ServerSettings settings = server_settings();
  settings.certificate.key = test_pki().client.key;
  CHECK(server_error(settings) ==
        "cert: " + test_pki().client.key + ": does not match the certificate in " + test_pki().server.cert);
}

TEST_CASE("context: a file that is not PEM is refused with OpenSSL's reason") {
  ServerSettings settings = server_settings();
  settings.certificate.cert = write_test_file("not-a-cert.pem", "hello\n");
  std::string error = server_error(settings);
  CHECK(error.starts_with("cert: " + settings.certificate.cert + ": no certificate: "));
  CHECK(error.find("no start line") != std::string::npos);

  settings = server_settings();
  settings.certificate.key =
      write_test_file("not-a-key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  error = server_error(settings);
  CHECK(error.starts_with("cert: " + settings.certificate.key + ": no private key: "));
}

TEST_CASE("context: an expired certificate is refused unless expiry is explicitly allowed") {
  ServerSettings settings = server_settings();
  settings.certificate = test_pki().expired;
  CHECK(server_error(settings) == "cert: " + test_pki().expired.cert + ": certificate CN=localhost has expired");
  CHECK(ServerContext::create(settings, ExpiredCertificates::allow));

  ClientSettings client = client_settings();
  client.client_certificate = test_pki().expired;
  Created<ClientContext> created = ClientContext::create(client);
  CHECK_FALSE(created);
  CHECK(created.error == "client certificate: " + test_pki().expired.cert + ": certificate CN=localhost has expired");
}

TEST_CASE("context: a bad SNI certificate is named as such; one without SAN DNS names cannot be chosen") {
  ServerSettings settings = server_settings();
  settings.sni_certificates.push_back({test_pki().dir + "/nope.crt", test_pki().sni_db.key});
  CHECK(server_error(settings) == "sni certificate: " + test_pki().dir + "/nope.crt: No such file or directory");

  settings = server_settings();
  settings.sni_certificates.push_back(test_pki().client);  // SAN has only an email address
  CHECK(server_error(settings) ==
        "sni certificate: " + test_pki().client.cert + ": has no SAN DNS names to be chosen by");
}

TEST_CASE("context: client_ca that is missing or holds no certificate") {
  ServerSettings settings = server_settings();
  settings.verify_client = ClientCertificates::optional;
  settings.client_ca = test_pki().dir + "/nope-ca.crt";
  CHECK(server_error(settings) == "client_ca: " + settings.client_ca + ": No such file or directory");
  settings.client_ca = write_test_file("empty-ca.pem", "# nothing here\n");
  CHECK(server_error(settings) == "client_ca: " + settings.client_ca + ": no certificates");
}

TEST_CASE("context: a ticket key file that is missing or malformed names the file and line") {
  ServerSettings settings = server_settings();
  settings.ticket_key_file = test_pki().dir + "/nope.keys";
  CHECK(server_error(settings) == "ticket_key_file: " + settings.ticket_key_file + ": No such file or directory");
  settings.ticket_key_file = write_test_file("short.keys", "\n" + std::string(158, 'a') + "\n");
  CHECK(server_error(settings) ==
        "ticket_key_file: " + settings.ticket_key_file + ": line 2: expected 160 hex digits, got 158 characters");
  // With tickets off the file is not read at all.
  settings.session_tickets = false;
  CHECK(ServerContext::create(settings));
}

TEST_CASE("context: a live session keeps its context after the last other reference is dropped (reload)") {
  auto server = make_server_context(server_settings());
  auto client = make_client_context(client_settings());
  SessionPair pair(client, server);
  std::weak_ptr<const ServerContext> watch = server;
  server.reset();  // the reload published a new context; this session still uses the old one
  CHECK_FALSE(watch.expired());
  REQUIRE(pair.handshake());
  CHECK(pair.client->write_plaintext("still here") == 10);
  pair.pump();
  CHECK(pair.server_received == "still here");
  pair.server.reset();
  CHECK(watch.expired());
}
